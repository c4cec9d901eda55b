import { type KeyObject, verify } from 'node:crypto';
import { type Queryable, query } from '@kassa/db';
import {
  type Checkpoint,
  CheckpointError,
  listCheckpointFiles,
  readCheckpoint,
  signedBytes,
} from './format.ts';
import { checkpointKeyId, publicKeysIn } from './keys.ts';

export interface CheckpointProblem {
  check: 'missing' | 'format' | 'key' | 'signature' | 'chain' | 'truncated';
  message: string;
  /** The checkpoint file at fault (absent when the problem is the directory as a whole). */
  file?: string;
  position?: bigint;
}

export interface CheckpointReport {
  ok: boolean;
  /** Checkpoint files found. */
  checkpoints: number;
  /** The chain's head position when checked. */
  head: bigint;
  /** The newest checkpoint that is signed and matches the chain: the log up to it is anchored. */
  newest?: { file: string; position: bigint };
  /** Ids of the public keys signatures were checked with. */
  keyIds: string[];
  /** Every problem, by position; the first names the first bad checkpoint. */
  problems: CheckpointProblem[];
}

/**
 * Checks every checkpoint in `dir`: that it is signed by one of `publicKeys` (default: the
 * key-<id>.pub.pem files in `dir` itself, which only helps if nobody can write there), and that
 * `ledger_chain` still has exactly its hash at its position, so the chain was neither rewritten
 * nor truncated below it.
 *
 * It compares stored hashes only. Run it with verifyLedger, which proves that the events hash
 * to those stored hashes: together they prove the log up to the newest checkpoint.
 */
export async function verifyCheckpoints(
  db: Queryable,
  options: { dir: string; publicKeys?: KeyObject[] },
): Promise<CheckpointReport> {
  const { dir } = options;
  const keys = new Map(
    (options.publicKeys ?? (await publicKeysIn(dir))).map((key) => [checkpointKeyId(key), key]),
  );
  const problems: CheckpointProblem[] = [];
  if (keys.size === 0) {
    problems.push({
      check: 'key',
      message: `no public key to check signatures with: none given and none in ${dir}`,
    });
  }
  const files = await listCheckpointFiles(dir);
  if (files.length === 0) {
    problems.push({ check: 'missing', message: `no checkpoint files in ${dir}` });
  }

  const signed: Array<{ file: string; checkpoint: Checkpoint }> = [];
  for (const { file, position } of files) {
    const problem = (check: CheckpointProblem['check'], message: string) =>
      problems.push({ check, file, position, message });
    let checkpoint: Checkpoint;
    try {
      checkpoint = await readCheckpoint(file);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      problem('format', error.message);
      continue;
    }
    if (checkpoint.position !== position) {
      problem('format', `${file} holds position ${checkpoint.position}, not the one in its name`);
      continue;
    }
    const key = keys.get(checkpoint.keyId);
    if (!key) {
      problem('key', `${file} is signed by key ${checkpoint.keyId}, which is not a trusted key`);
      continue;
    }
    const signature = Buffer.from(checkpoint.signature, 'base64');
    if (!verify(null, signedBytes(checkpoint), key, signature)) {
      problem('signature', `${file} does not carry a valid signature of key ${checkpoint.keyId}`);
      continue;
    }
    signed.push({ file, checkpoint });
  }

  // One statement, so the head and every hash come from one snapshot.
  const [chain] = await query<{ head: bigint; hashes: Array<string | null> }>(
    db,
    `SELECT coalesce(max(position), 0)::bigint AS head,
            array(SELECT encode(c.hash, 'hex')
                    FROM unnest($1::bigint[]) WITH ORDINALITY AS p(position, i)
                    LEFT JOIN ledger_chain c ON c.position = p.position
                   ORDER BY p.i) AS hashes
       FROM ledger_chain`,
    [signed.map((s) => s.checkpoint.position.toString())],
  );
  const head = chain?.head ?? 0n;
  let newest: CheckpointReport['newest'];
  signed.forEach(({ file, checkpoint }, i) => {
    const { position } = checkpoint;
    const hash = chain?.hashes[i] ?? null;
    const problem = (check: CheckpointProblem['check'], message: string) =>
      problems.push({ check, file, position, message });
    if (position > head) {
      problem(
        'truncated',
        `the chain ends at position ${head}, below ${file} (position ${position}): it was truncated`,
      );
    } else if (hash === null) {
      problem('chain', `position ${position}, which ${file} signed, is missing from the chain`);
    } else if (hash !== checkpoint.hash) {
      problem(
        'chain',
        `the chain's hash at position ${position} is not the one ${file} signed: the log was rewritten at or before it`,
      );
    } else {
      newest = { file, position };
    }
  });

  problems.sort((a, b) => {
    const [x, y] = [a.position ?? -1n, b.position ?? -1n];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return {
    ok: problems.length === 0,
    checkpoints: files.length,
    head,
    newest,
    keyIds: [...keys.keys()],
    problems,
  };
}
