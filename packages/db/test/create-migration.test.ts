import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createMigration,
  migrate,
  migrationsDir,
  readMigrations,
  schemaPath,
} from '../src/index.ts';
import { createTestDatabase, testServerUrl } from '../src/testing/index.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kassa-new-migration-'));
  await cp(migrationsDir, dir, { recursive: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kassa db new', () => {
  it('creates nothing when schema.prisma matches the migrations', async () => {
    const before = await readdir(dir);
    expect(
      await createMigration(testServerUrl('postgres'), 'nothing', { migrationsDir: dir }),
    ).toBeUndefined();
    expect(await readdir(dir)).toEqual(before);
  });

  it('writes the SQL for a schema change as a new Prisma-layout migration that then applies', async () => {
    const schema = (await readFile(schemaPath, 'utf8')).replace(
      '  name        String\n',
      '  name        String\n  nickname    String?\n',
    );
    const created = await createMigration(testServerUrl('postgres'), 'Add merchant nickname!', {
      migrationsDir: dir,
      schema,
      now: new Date('2026-12-01T10:20:30Z'),
    });

    expect(created?.folder).toBe('20261201102030_add_merchant_nickname');
    const sql = await readFile(
      join(dir, '20261201102030_add_merchant_nickname', 'migration.sql'),
      'utf8',
    );
    expect(sql).toContain('ALTER TABLE "merchants" ADD COLUMN     "nickname" TEXT;');

    const db = await createTestDatabase({ migrated: false });
    try {
      expect(await migrate(db.pool, { migrations: await readMigrations(dir) })).toHaveLength(
        (await readMigrations(migrationsDir)).length + 1,
      );
    } finally {
      await db.drop();
    }
  });
});
