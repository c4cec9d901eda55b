import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '@kassa/db';

/**
 * Secrets a production install sets in its environment; for a local install `kassa dev`
 * generates them once and keeps them in the git-ignored data folder (mode 0600), so restarts
 * keep working with what was issued before (client secrets, later vaulted cards).
 */
export interface LocalSecrets {
  KASSA_SECRET_KEY: string;
}

const file = (dataDir: string) => join(dataDir, 'secrets.json');

/** The environment's values where set, else the saved ones, else new ones (then saved). */
export async function localSecrets(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalSecrets> {
  let saved: Partial<LocalSecrets> = {};
  try {
    saved = JSON.parse(await readFile(file(dataDir), 'utf8')) as Partial<LocalSecrets>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated: LocalSecrets = {
    KASSA_SECRET_KEY: saved.KASSA_SECRET_KEY ?? randomBytes(48).toString('base64url'),
  };
  if (generated.KASSA_SECRET_KEY !== saved.KASSA_SECRET_KEY) {
    await writePrivateFile(file(dataDir), `${JSON.stringify(generated, null, 2)}\n`);
  }
  return { KASSA_SECRET_KEY: env.KASSA_SECRET_KEY || generated.KASSA_SECRET_KEY };
}
