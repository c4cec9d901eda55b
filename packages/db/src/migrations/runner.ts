import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  DatabaseNotEmptyError,
  MigrationEditedError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  MigrationUnresolvedError,
} from '../errors.ts';
import { checksumMatches, type MigrationFile, readMigrations } from './files.ts';

/**
 * Applies Prisma-layout migrations and records them in `_prisma_migrations` exactly as
 * `prisma migrate deploy` does, so Prisma's own tooling accepts the same database.
 *
 * Where it differs from Prisma, it is safer: each migration runs in one transaction with its
 * history row, so a failing migration leaves no trace but a row marked rolled back (which
 * `migrate deploy` ignores and retries), and edited migrations are refused before anything runs.
 */

/** The session-level advisory lock Prisma's schema engine takes while migrating PostgreSQL. */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** Prisma's own DDL for its history table (schema-engine, flavour/postgres.rs). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

export type MigrationState = 'applied' | 'pending' | 'edited' | 'failed';

export interface MigrationStatus {
  hasHistoryTable: boolean;
  migrations: Array<{ name: string; state: MigrationState; appliedAt: Date | null }>;
  /** Applied in the database but with no folder here (for example, deployed by newer code). */
  unknownApplied: string[];
  /** True when every local migration is applied unchanged and none is half-applied. */
  upToDate: boolean;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

export interface MigrateOptions {
  migrations?: MigrationFile[];
  log?: (message: string) => void;
  lockTimeoutMs?: number;
}

export async function migrationStatus(
  db: Queryable,
  migrations?: MigrationFile[],
): Promise<MigrationStatus> {
  const local = migrations ?? (await readMigrations());
  const hasHistoryTable = await historyTableExists(db);
  const rows = hasHistoryTable ? await readHistory(db) : [];
  const classified = local.map((migration) => ({
    name: migration.name,
    state: stateOf(migration, rows),
    appliedAt:
      rows.find((r) => r.migration_name === migration.name && isApplied(r))?.finished_at ?? null,
  }));
  const localNames = new Set(local.map((m) => m.name));
  const unknownApplied = [
    ...new Set(
      rows
        .filter((r) => isApplied(r) && !localNames.has(r.migration_name))
        .map((r) => r.migration_name),
    ),
  ];
  return {
    hasHistoryTable,
    migrations: classified,
    unknownApplied,
    upToDate: classified.every((m) => m.state === 'applied') && !rows.some(isUnresolved),
  };
}

/**
 * Applies every pending migration in order under Prisma's advisory lock. Re-running applies
 * nothing. Returns the names applied.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = options.migrations ?? (await readMigrations());
  const log = options.log ?? (() => {});
  const client = await pool.connect();
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 30_000);
    try {
      if (!(await historyTableExists(client))) {
        const tables = await userTables(client);
        if (tables.length > 0) throw new DatabaseNotEmptyError(tables);
        await client.query(CREATE_MIGRATIONS_TABLE);
      }
      const rows = await readHistory(client);
      const unresolved = rows.filter(isUnresolved).map((r) => r.migration_name);
      if (unresolved.length > 0) throw new MigrationUnresolvedError(unresolved);
      const edited = migrations.filter((m) => stateOf(m, rows) === 'edited').map((m) => m.name);
      if (edited.length > 0) throw new MigrationEditedError(edited);

      const applied: string[] = [];
      for (const migration of migrations.filter((m) => stateOf(m, rows) === 'pending')) {
        log(`applying migration ${migration.name}`);
        await applyOne(client, migration);
        applied.push(migration.name);
      }
      return applied;
    } finally {
      // If the connection died, the lock died with it; do not let this hide the real error.
      await client
        .query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY])
        .catch(() => {});
    }
  } finally {
    client.release();
  }
}

async function applyOne(client: pg.PoolClient, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, clock_timestamp(), $3)',
      [id, migration.checksum, migration.name],
    );
    // No parameters: pg sends the simple query protocol, which runs a multi-statement script.
    await client.query(migration.script);
    await client.query(
      'UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp() WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {}); // a dead connection has rolled back already
    const details = postgresErrorDetails(error, migration.script);
    // Keep a record of the attempt the way `prisma migrate resolve --rolled-back` leaves one:
    // Prisma's deploy ignores rolled-back rows and would retry the migration, as we will.
    await client
      .query(
        `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs, rolled_back_at)
         VALUES ($1, $2, clock_timestamp(), $3, $4, clock_timestamp())`,
        [randomUUID(), migration.checksum, migration.name, details.message],
      )
      .catch(() => {}); // the record is a courtesy; the error below is what matters
    throw new MigrationFailedError(
      migration.name,
      details.message,
      details.sqlState,
      details.line,
      {
        cause: error,
      },
    );
  }
}

async function acquireLock(client: pg.PoolClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [PRISMA_ADVISORY_LOCK_KEY],
    );
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new MigrationLockTimeoutError(timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function historyTableExists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
  );
  return rows[0]?.exists === true;
}

async function userTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function readHistory(db: Queryable): Promise<MigrationRow[]> {
  const { rows } = await db.query<MigrationRow>(
    'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
  return rows;
}

const isApplied = (row: MigrationRow) => row.finished_at !== null && row.rolled_back_at === null;
const isUnresolved = (row: MigrationRow) => row.finished_at === null && row.rolled_back_at === null;

function stateOf(migration: MigrationFile, rows: MigrationRow[]): MigrationState {
  const mine = rows.filter((r) => r.migration_name === migration.name);
  if (mine.some(isUnresolved)) return 'failed';
  const applied = mine.filter(isApplied);
  if (applied.length === 0) return 'pending';
  return applied.some((r) => checksumMatches(migration.script, r.checksum)) ? 'applied' : 'edited';
}

function postgresErrorDetails(
  error: unknown,
  script: string,
): { message: string; sqlState: string | undefined; line: number | undefined } {
  const e = error as { message?: string; code?: string; position?: string };
  const position = e.position ? Number(e.position) : undefined;
  return {
    message: e.message ?? String(error),
    sqlState: e.code,
    line: position ? script.slice(0, position).split('\n').length : undefined,
  };
}
