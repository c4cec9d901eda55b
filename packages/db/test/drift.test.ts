import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { diffDatabaseToSchema, migrationStatus, schemaPath } from '../src/index.ts';
import { createTestDatabase, useTestDatabase } from '../src/testing/index.ts';

const db = useTestDatabase();

describe('schema drift', () => {
  it('schema.prisma and the migrated database agree', async () => {
    expect((await migrationStatus(db.current.pool)).upToDate).toBe(true);

    const diff = await diffDatabaseToSchema(db.current.url);

    // When this fails, the SQL below is what a new migration needs (`pnpm kassa db new <name>`).
    expect(diff.sql).toBe('');
    expect(diff.inSync).toBe(true);
  });

  it('reports a database changed by hand, with the SQL that would undo it', async () => {
    const scratch = await createTestDatabase();
    try {
      await scratch.pool.query('ALTER TABLE api_keys ADD COLUMN note text');
      await scratch.pool.query('DROP INDEX api_keys_merchant_id_created_at_idx');

      const diff = await diffDatabaseToSchema(scratch.url);

      expect(diff.inSync).toBe(false);
      expect(diff.sql).toContain('ALTER TABLE "api_keys" DROP COLUMN "note"');
      expect(diff.sql).toContain(
        'CREATE INDEX "api_keys_merchant_id_created_at_idx" ON "api_keys"("merchant_id", "created_at")',
      );
    } finally {
      await scratch.drop();
    }
  });

  it('reports a schema change that has no migration', async () => {
    const schema = (await readFile(schemaPath, 'utf8')).replace(
      '  name        String\n',
      '  name        String\n  nickname    String?\n',
    );
    expect(schema).toContain('nickname');

    const diff = await diffDatabaseToSchema(db.current.url, { schema });

    expect(diff.inSync).toBe(false);
    expect(diff.sql).toContain('ALTER TABLE "merchants" ADD COLUMN     "nickname" TEXT');
  });
});
