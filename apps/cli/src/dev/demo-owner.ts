import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashPassword, verifyPassword } from '@kassa/api';
import { randomBase62 } from '@kassa/contracts';
import { DEMO_OWNER_EMAIL, writePrivateFile } from '@kassa/db';
import type pg from 'pg';

/**
 * The demo owner's dashboard password on a local install: random, set the first time the owner
 * has none, kept in the git-ignored data folder (mode 0600) so `npm start` can show it on every
 * start. Only its scrypt hash is in the database. A password the owner changed since is theirs:
 * then nothing is shown.
 */
export interface DemoOwner {
  email: string;
  /** Undefined when the owner has changed it (or there is no demo owner). */
  password?: string;
}

const file = (dataDir: string) => join(dataDir, 'demo-owner.json');

export async function demoOwnerForDev(pool: pg.Pool, dataDir: string): Promise<DemoOwner> {
  const { rows } = await pool.query<{ id: string; password_hash: string | null }>(
    'SELECT id, password_hash FROM users WHERE email = $1',
    [DEMO_OWNER_EMAIL],
  );
  const owner = rows[0];
  if (!owner) return { email: DEMO_OWNER_EMAIL };
  if (owner.password_hash) {
    const saved = await readFile(file(dataDir), 'utf8').then(
      (text) => (JSON.parse(text) as { password?: string }).password,
      () => undefined,
    );
    const still = saved !== undefined && (await verifyPassword(saved, owner.password_hash));
    return { email: DEMO_OWNER_EMAIL, ...(still && { password: saved }) };
  }
  // Words a person can type: 4 groups of 5 base62 characters (about 119 bits).
  const password = Array.from({ length: 4 }, () => randomBase62(5)).join('-');
  await writePrivateFile(file(dataDir), `${JSON.stringify({ password }, null, 2)}\n`);
  const { rowCount } = await pool.query(
    'UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NULL',
    [owner.id, await hashPassword(password)],
  );
  // Another start set one meanwhile: that one is in the file now, or will be.
  return { email: DEMO_OWNER_EMAIL, ...(rowCount === 1 && { password }) };
}
