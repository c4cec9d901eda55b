import { spawnSync } from 'node:child_process';
import { useTestDatabase } from '@kassa/db/testing';
import { afterAll, expect } from 'vitest';
import { appEntry } from './entries.ts';

const kassaBin = appEntry('cli', 'bin/kassa.mjs');

/**
 * The test file's database (useTestDatabase), and after the file's last test — once its API and
 * simulator are stopped — `kassa ledger verify` run on it, as an operator would: the hash chain,
 * every entry balancing and every projection must hold after everything the file did.
 */
export function useApiDatabase() {
  const db = useTestDatabase();
  afterAll(() => {
    const verify = spawnSync(process.execPath, [kassaBin, 'ledger', 'verify'], {
      env: { ...process.env, DATABASE_URL: db.current.url, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(verify.status, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    expect(verify.stdout).toContain('Ledger verified');
  }, 60_000);
  return db;
}
