import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerError } from '../errors.ts';

/** The first line of the signed bytes, and the `format` field of every checkpoint file. */
export const CHECKPOINT_FORMAT = 'kassa-checkpoint-v1';

/**
 * A signed statement "the chain's hash at `position` was `hash`", made at `time` with the key
 * `keyId`. Kept outside the database, so whoever can rewrite the database cannot rewrite it.
 */
export interface Checkpoint {
  position: bigint;
  /** The chain hash at `position`, lowercase hex (64 digits). */
  hash: string;
  /** When it was made, as Date.toISOString() wrote it (the signature covers this exact text). */
  time: string;
  keyId: string;
  /** Ed25519 signature of signedBytes(checkpoint), base64. */
  signature: string;
}

export class CheckpointError extends LedgerError {
  constructor(
    code: 'checkpoint_unreadable' | 'checkpoint_chain_mismatch' | 'checkpoint_key_invalid',
    message: string,
  ) {
    super(code, message);
  }
}

/**
 * The bytes a checkpoint's signature covers, UTF-8 without a trailing newline:
 * `kassa-checkpoint-v1\n<position>\n<hash hex>\n<time>\n<key id>`. Fixed lines rather than JSON
 * so that a verifier in any language rebuilds them without a canonicalizer.
 */
export function signedBytes(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(
    [
      CHECKPOINT_FORMAT,
      checkpoint.position.toString(),
      checkpoint.hash,
      checkpoint.time,
      checkpoint.keyId,
    ].join('\n'),
    'utf8',
  );
}

/**
 * Zero-padded to 19 digits, the width of PostgreSQL's largest bigint, so that listing the
 * directory sorts the files by position for any chain.
 */
export function checkpointFileName(position: bigint): string {
  return `checkpoint-${position.toString().padStart(19, '0')}.json`;
}

const FILE_NAME = /^checkpoint-(\d+)\.json$/;

/** The names of the files in `dir`; none if the directory is missing. */
export async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The checkpoint files in `dir` by position, lowest first; none if the directory is missing. */
export async function listCheckpointFiles(
  dir: string,
): Promise<Array<{ file: string; position: bigint }>> {
  const names = await namesIn(dir);
  return names
    .flatMap((name) => {
      const match = FILE_NAME.exec(name);
      return match ? [{ file: join(dir, name), position: BigInt(match[1] as string) }] : [];
    })
    .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
}

export function serializeCheckpoint(checkpoint: Checkpoint): string {
  const { position, hash, time, keyId, signature } = checkpoint;
  const fields = { format: CHECKPOINT_FORMAT, position: position.toString(), hash, time, keyId };
  return `${JSON.stringify({ ...fields, signature }, null, 2)}\n`;
}

const FIELDS: Record<string, RegExp> = {
  position: /^[1-9]\d{0,18}$/,
  hash: /^[0-9a-f]{64}$/,
  time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
  keyId: /^[0-9a-f]{16}$/,
  signature: /^[A-Za-z0-9+/]{86}==$/,
};

/** Reads one checkpoint file; a file that is not exactly what writeCheckpoint writes is refused. */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CheckpointError('checkpoint_unreadable', `${file}: ${(error as Error).message}`);
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (record.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError('checkpoint_unreadable', `${file}: not a ${CHECKPOINT_FORMAT} file`);
  }
  for (const [field, pattern] of Object.entries(FIELDS)) {
    const value = record[field];
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new CheckpointError('checkpoint_unreadable', `${file}: ${field} is missing or invalid`);
    }
  }
  return {
    position: BigInt(record.position as string),
    hash: record.hash as string,
    time: record.time as string,
    keyId: record.keyId as string,
    signature: record.signature as string,
  };
}
