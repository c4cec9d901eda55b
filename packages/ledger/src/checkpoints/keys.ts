import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '@kassa/db';
import { CheckpointError, namesIn } from './format.ts';

/**
 * A key's id is the first 16 hex digits of SHA-256 over its public key (SubjectPublicKeyInfo,
 * DER). It names the key in every checkpoint, so a verifier holding several public keys (after
 * a rotation) knows which one to use, and a file name cannot lie about which key it holds.
 */
export function checkpointKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export interface CheckpointKeyPair {
  keyId: string;
  /** PKCS#8 PEM. Keep it off the database's machine: it is what makes checkpoints unforgeable. */
  privateKeyPem: string;
  /** SPKI PEM. Anyone may hold it; verifiers need it. */
  publicKeyPem: string;
}

export function generateCheckpointKey(): CheckpointKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId: checkpointKeyId(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export const privateKeyFileName = (keyId: string) => `key-${keyId}.pem`;
export const publicKeyFileName = (keyId: string) => `key-${keyId}.pub.pem`;
const PUBLIC_KEY_FILE = /^key-[0-9a-f]{16}\.pub\.pem$/;

/**
 * Generates a key pair into `dir`: the private key as key-<id>.pem (mode 0600, written
 * atomically) and the public key beside it as key-<id>.pub.pem.
 */
export async function writeCheckpointKey(
  dir: string,
): Promise<CheckpointKeyPair & { privateKeyFile: string; publicKeyFile: string }> {
  const pair = generateCheckpointKey();
  const privateKeyFile = join(dir, privateKeyFileName(pair.keyId));
  const publicKeyFile = join(dir, publicKeyFileName(pair.keyId));
  await writePrivateFile(privateKeyFile, pair.privateKeyPem);
  await writeFile(publicKeyFile, pair.publicKeyPem, { mode: 0o644 });
  return { ...pair, privateKeyFile, publicKeyFile };
}

export async function loadCheckpointPrivateKey(file: string): Promise<KeyObject> {
  return ed25519(async () => createPrivateKey(await readPem(file)), file);
}

/** A public key from a PEM file, or from a private key file (its public half). */
export async function loadCheckpointPublicKey(file: string): Promise<KeyObject> {
  return ed25519(async () => createPublicKey(await readPem(file)), file);
}

/** The public keys published in `dir` (key-<id>.pub.pem, as writeCheckpoint leaves them). */
export async function publicKeysIn(dir: string): Promise<KeyObject[]> {
  const names = await namesIn(dir);
  const keys: KeyObject[] = [];
  for (const name of names.filter((n) => PUBLIC_KEY_FILE.test(n)).sort()) {
    keys.push(await loadCheckpointPublicKey(join(dir, name)));
  }
  return keys;
}

async function readPem(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CheckpointError('checkpoint_key_invalid', `${file}: ${(error as Error).message}`);
  }
}

async function ed25519(load: () => Promise<KeyObject>, file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = await load();
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError('checkpoint_key_invalid', `${file}: not a PEM key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CheckpointError(
      'checkpoint_key_invalid',
      `${file}: a ${key.asymmetricKeyType} key, not Ed25519`,
    );
  }
  return key;
}
