import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '@kassa/db';
import { newMasterKeySpec } from '@kassa/vault';

/**
 * Secrets a production install sets in its environment. For a local install `kassa dev`
 * generates them once and keeps them in the git-ignored data folder (mode 0600), so restarts
 * keep working with what was issued before (client secrets, vaulted cards).
 */
export interface LocalSecrets {
  KASSA_SECRET_KEY: string;
  NEXTAUTH_SECRET: string;
  KASSA_VAULT_KEYS: string;
  KASSA_VAULT_FINGERPRINT_KEY: string;
  ACQUIRER_API_KEY: string;
  FRAUD_API_KEY: string;
}

const NAMES = [
  'KASSA_SECRET_KEY',
  'NEXTAUTH_SECRET',
  'KASSA_VAULT_KEYS',
  'KASSA_VAULT_FINGERPRINT_KEY',
  'ACQUIRER_API_KEY',
  'FRAUD_API_KEY',
] as const;

export const localSecretsFile = (dataDir: string) => join(dataDir, 'secrets.json');

async function readSaved(dataDir: string): Promise<Partial<LocalSecrets>> {
  try {
    return JSON.parse(await readFile(localSecretsFile(dataDir), 'utf8')) as Partial<LocalSecrets>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return {};
  }
}

export async function saveLocalSecrets(dataDir: string, secrets: LocalSecrets): Promise<void> {
  await writePrivateFile(localSecretsFile(dataDir), `${JSON.stringify(secrets, null, 2)}\n`);
}

/** The saved local secrets, generating (and saving) any that are missing. */
export async function savedLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const saved = await readSaved(dataDir);
  const secrets: LocalSecrets = {
    KASSA_SECRET_KEY: saved.KASSA_SECRET_KEY ?? randomBytes(48).toString('base64url'),
    NEXTAUTH_SECRET: saved.NEXTAUTH_SECRET ?? randomBytes(48).toString('base64url'),
    KASSA_VAULT_KEYS: saved.KASSA_VAULT_KEYS ?? newMasterKeySpec(),
    KASSA_VAULT_FINGERPRINT_KEY:
      saved.KASSA_VAULT_FINGERPRINT_KEY ?? randomBytes(48).toString('base64url'),
    ACQUIRER_API_KEY: saved.ACQUIRER_API_KEY ?? randomBytes(48).toString('base64url'),
    FRAUD_API_KEY: saved.FRAUD_API_KEY ?? randomBytes(48).toString('base64url'),
  };
  if (NAMES.some((name) => secrets[name] !== saved[name])) await saveLocalSecrets(dataDir, secrets);
  return secrets;
}

/** Each secret from the environment where it is set, else from the data folder. */
export async function localSecrets(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalSecrets> {
  const saved = await savedLocalSecrets(dataDir);
  return Object.fromEntries(
    NAMES.map((name) => [name, env[name] || saved[name]]),
  ) as unknown as LocalSecrets;
}
