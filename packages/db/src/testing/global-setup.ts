import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import {
  allowPostgresUser,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from '../embedded.ts';
import { migrate } from '../migrations/runner.ts';
import { createDatabaseIfMissing } from '../open.ts';
import { freePort } from './ports.ts';

export const TEMPLATE_DATABASE = 'kassa_template';

export interface TestPostgres {
  /** URL of the server's `postgres` database (administrative connection). */
  adminUrl: string;
  user: string;
  password: string;
  port: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kassaPostgres: TestPostgres;
  }
}

/**
 * One PostgreSQL per test run: a throwaway cluster in a temp folder, on a free port, with a
 * migrated template database that every test file clones (CREATE DATABASE ... TEMPLATE).
 * Durability is off (fsync, synchronous_commit): the cluster is deleted afterwards anyway.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kassa-test-pg-'));
  await allowPostgresUser(dataDir);
  const server = await startOnFreePort({
    dataDir,
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '300',
    },
  });
  try {
    await createDatabaseIfMissing(server.url('postgres'), TEMPLATE_DATABASE);
    const pool = new pg.Pool({ connectionString: server.url(TEMPLATE_DATABASE), max: 1 });
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide('kassaPostgres', {
    adminUrl: server.url('postgres'),
    user: server.user,
    password: server.password,
    port: server.port,
  });
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

/** freePort() can race with another process taking the port before PostgreSQL binds it. */
async function startOnFreePort(
  options: Omit<EmbeddedPostgresOptions, 'port'>,
): Promise<EmbeddedPostgres> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmbeddedPostgres({ ...options, port: await freePort() });
    } catch (error) {
      if (attempt >= 3 || !/is in use/.test((error as Error).message)) throw error;
    }
  }
}
