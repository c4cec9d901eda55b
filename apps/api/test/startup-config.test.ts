import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx');
const main = join(import.meta.dirname, '..', 'src', 'main.ts');

describe('API start-up with bad configuration', () => {
  it('stops before doing anything, naming each bad variable and what it expects', () => {
    const result = spawnSync(process.execPath, ['--import', tsx, main], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        API_PORT: 'eighty',
        DATABASE_URL: 'mysql://root:hunter2@localhost/kassa',
        LOG_LEVEL: 'verbose',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(result.status).toBe(78);
    expect(result.stderr).toContain('Kassa cannot start: the configuration is invalid.');
    expect(result.stderr).toContain(
      'API_PORT: expected an integer port from 1 to 65535; got "eighty"',
    );
    expect(result.stderr).toContain('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    expect(result.stderr).toContain('LOG_LEVEL: expected one of');
    expect(result.stderr).not.toContain('hunter2');
  });
});
