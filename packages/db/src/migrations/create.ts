import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { migrationsDir as defaultMigrationsDir } from '../paths.ts';
import { readMigrations } from './files.ts';
import { migrate } from './runner.ts';
import { diffDatabaseToSchema } from './schema-engine.ts';

/**
 * `kassa db new <name>`: what `prisma migrate dev --create-only` does, without the native
 * engine. The existing migrations are applied to a scratch database on the same server, then
 * Prisma's differ writes the SQL from there to schema.prisma as a new migration folder.
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  options: { migrationsDir?: string; schema?: string; now?: Date } = {},
): Promise<{ folder: string; sql: string } | undefined> {
  const dir = options.migrationsDir ?? defaultMigrationsDir;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new Error('A migration needs a name made of letters or digits.');

  const scratch = `kassa_scratch_${randomBytes(6).toString('hex')}`;
  const scratchUrl = new URL(databaseUrl);
  scratchUrl.pathname = `/${scratch}`;
  await withClient(databaseUrl, (c) => c.query(`CREATE DATABASE ${scratch}`));
  try {
    const pool = new pg.Pool({ connectionString: scratchUrl.toString(), max: 1 });
    try {
      await migrate(pool, { migrations: await readMigrations(dir) });
    } finally {
      await pool.end();
    }
    const diff = await diffDatabaseToSchema(scratchUrl.toString(), { schema: options.schema });
    if (diff.inSync) return undefined;
    const folder = `${prismaTimestamp(options.now ?? new Date())}_${slug}`;
    await mkdir(join(dir, folder));
    await writeFile(join(dir, folder, 'migration.sql'), diff.sql);
    return { folder, sql: diff.sql };
  } finally {
    await withClient(databaseUrl, (c) =>
      c.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`),
    );
  }
}

/** YYYYMMDDHHMMSS in UTC, the prefix Prisma gives migration folders. */
function prismaTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
