import { createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { access, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Queryable, query } from '@kassa/db';
import {
  type Checkpoint,
  CheckpointError,
  checkpointFileName,
  listCheckpointFiles,
  readCheckpoint,
  serializeCheckpoint,
  signedBytes,
} from './format.ts';
import { checkpointKeyId, publicKeyFileName } from './keys.ts';

export interface WriteCheckpointOptions {
  /** Where checkpoints go: a directory on another machine or volume than the database. */
  dir: string;
  /** The Ed25519 private key (loadCheckpointPrivateKey); its id is derived from it. */
  privateKey: KeyObject;
  now?: Date;
}

export type WriteCheckpointResult =
  | { written: true; file: string; checkpoint: Checkpoint }
  | { written: false; reason: 'empty_chain' | 'head_not_moved'; file?: string };

/**
 * Signs the chain's head (position and hash) into a new file in `dir`, unless the head has not
 * moved since the newest checkpoint there. Only sealed events are covered: the caller seals
 * first if it wants everything committed so far.
 *
 * Before signing it checks that the chain still has the newest checkpoint's hash at that
 * position, and refuses (CheckpointError `checkpoint_chain_mismatch`) if not: a checkpoint must
 * never vouch for a chain that was rewritten under an earlier one.
 */
export async function writeCheckpoint(
  db: Queryable,
  options: WriteCheckpointOptions,
): Promise<WriteCheckpointResult> {
  const { dir, privateKey } = options;
  const newest = (await listCheckpointFiles(dir)).at(-1);
  const anchored = newest ? await readCheckpoint(newest.file) : undefined;
  if (newest && anchored && anchored.position !== newest.position) {
    throw new CheckpointError(
      'checkpoint_unreadable',
      `${newest.file} holds position ${anchored.position}, not the one in its name`,
    );
  }
  // One statement, so the head and the anchored hash come from one snapshot.
  const [head] = await query<{ position: bigint; hash: Buffer; anchored: Buffer | null }>(
    db,
    `SELECT position, hash, (SELECT hash FROM ledger_chain WHERE position = $1) AS anchored
       FROM ledger_chain ORDER BY position DESC LIMIT 1`,
    [anchored?.position ?? 0n],
  );
  if (anchored && newest) {
    if (!head || head.position < anchored.position) {
      throw new CheckpointError(
        'checkpoint_chain_mismatch',
        `the chain ends at position ${head?.position ?? 0n}, below ${newest.file} (position ${anchored.position}): it was truncated`,
      );
    }
    if (head.anchored?.toString('hex') !== anchored.hash) {
      throw new CheckpointError(
        'checkpoint_chain_mismatch',
        `the chain's hash at position ${anchored.position} is not the one ${newest.file} signed: it was rewritten`,
      );
    }
    if (head.position === anchored.position) {
      return { written: false, reason: 'head_not_moved', file: newest.file };
    }
  }
  if (!head) return { written: false, reason: 'empty_chain' };

  const keyId = checkpointKeyId(privateKey);
  const unsigned = {
    position: head.position,
    hash: head.hash.toString('hex'),
    time: (options.now ?? new Date()).toISOString(),
    keyId,
  };
  const checkpoint: Checkpoint = {
    ...unsigned,
    signature: sign(null, signedBytes(unsigned), privateKey).toString('base64'),
  };
  await mkdir(dir, { recursive: true });
  await publishPublicKey(dir, privateKey, keyId);
  const file = join(dir, checkpointFileName(head.position));
  await writeFileAtomically(file, serializeCheckpoint(checkpoint));
  return { written: true, file, checkpoint };
}

/**
 * Leaves key-<id>.pub.pem beside the checkpoints (once), so the directory says which keys
 * signed it. A verifier that does not trust the directory pins its own copy instead.
 */
async function publishPublicKey(dir: string, privateKey: KeyObject, keyId: string) {
  const file = join(dir, publicKeyFileName(keyId));
  if (await exists(file)) return;
  const pem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  await writeFileAtomically(file, pem);
}

/**
 * Temp file, fsync, rename: a reader (or a crash) sees the whole file or none of it. Two
 * writers of one position write the same position and hash, so either file is right.
 */
async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
