import type { Config, databaseVariables } from '@kassa/config';
import pg from 'pg';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts';

export const EMBEDDED_DATABASE_NAME = 'kassa';

export interface DatabaseTarget {
  url: string;
  /** Set when the embedded server is in use (owned by this process or joined). */
  embedded?: EmbeddedPostgres;
  /** Stops the embedded server if this process owns it. */
  close(): Promise<void>;
}

/**
 * Where Kassa's data lives: DATABASE_URL when set (no server is ever started then), otherwise
 * the embedded PostgreSQL under KASSA_DATA_DIR, with the `kassa` database created on first use.
 */
export async function resolveDatabase(
  config: Config<(typeof databaseVariables)[number]>,
  log: (message: string) => void = () => {},
): Promise<DatabaseTarget> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, close: async () => {} };
  const embedded = await startEmbeddedPostgres({
    dataDir: config.KASSA_DATA_DIR,
    port: config.KASSA_EMBEDDED_PG_PORT,
    log,
  });
  if (embedded.role === 'guest') {
    log(
      `using the embedded PostgreSQL owned by process ${embedded.ownerPid} (port ${embedded.port})`,
    );
  }
  try {
    await createDatabaseIfMissing(embedded.url('postgres'), EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { url: embedded.url(EMBEDDED_DATABASE_NAME), embedded, close: () => embedded.stop() };
}

export async function createDatabaseIfMissing(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
        .catch((error: { code?: string }) => {
          // Created meanwhile by another process: 42P04, or 23505 when both inserted at once.
          if (error.code !== '42P04' && error.code !== '23505') throw error;
        });
    }
  } finally {
    await client.end();
  }
}
