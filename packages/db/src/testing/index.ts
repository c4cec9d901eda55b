import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDatabaseClients, type DatabaseClients } from '../client.ts';
import { allowPostgresUser } from '../embedded.ts';
import { TEMPLATE_DATABASE } from './global-setup.ts';

export { freePort, freePortPair } from './ports.ts';

/** An empty temp folder a PostgreSQL cluster can live in (for suites that stop their server). */
export async function scratchDataDir(prefix = 'kassa-pg-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await allowPostgresUser(dir);
  return dir;
}

export interface TestDatabase extends DatabaseClients {
  name: string;
  url: string;
  /** Closes the clients and drops the database. */
  drop(): Promise<void>;
}

/** URL of any database on this run's test server. */
export function testServerUrl(database: string): string {
  const url = new URL(inject('kassaPostgres').adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A fresh database of its own: a clone of the migrated template, or empty (`migrated: false`)
 * for tests of the migration runner itself.
 */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  const name = `kassa_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : TEMPLATE_DATABASE;
  await withAdmin(async (admin) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (error) {
        // 55006: the template is briefly in use (another clone starting); try again.
        if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  });
  const url = testServerUrl(name);
  const clients = createDatabaseClients(url, { poolMax: 20, applicationName: 'kassa-test' });
  return {
    ...clients,
    name,
    url,
    async drop() {
      await clients.close();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Registers a database for the current test file: created before its tests, dropped after.
 * Read it inside tests (`db.current.prisma`), not at module load.
 */
export function useTestDatabase(options: { migrated?: boolean } = {}): {
  readonly current: TestDatabase;
} {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(options);
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get current() {
      if (!database) throw new Error('useTestDatabase: read the database inside a test or hook');
      return database;
    },
  };
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: inject('kassaPostgres').adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
