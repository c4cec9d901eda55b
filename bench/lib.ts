import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseIfMissing, migrate, startEmbeddedPostgres } from '@kassa/db';
import { freePort } from '@kassa/db/testing';
import pg from 'pg';

/** `--name value` from the command line, or a default. */
export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/**
 * A fresh, migrated PostgreSQL for one benchmark run: the embedded server in a temp folder with
 * its default, durable settings (fsync on, synchronous_commit on), unlike the test servers.
 */
export async function benchDatabase(options: { statements?: boolean } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'kassa-bench-'));
  if (process.getuid?.() === 0)
    await import('node:fs/promises').then((fs) => fs.chmod(dataDir, 0o755));
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    // pg_stat_statements: which statements a workload runs, how often, at what cost.
    settings: options.statements ? { shared_preload_libraries: 'pg_stat_statements' } : {},
  });
  await createDatabaseIfMissing(server.url('postgres'), 'bench');
  const pool = new pg.Pool({ connectionString: server.url('bench'), max: 40 });
  pool.on('error', () => {}); // idle connections cut when the server stops at the end
  await migrate(pool);
  if (options.statements) await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const settings = await pool.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'max_connections') ORDER BY name`,
  );
  const version = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]
    ?.server_version;
  return {
    pool,
    url: server.url('bench'),
    settings: `PostgreSQL ${version}; ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`,
    async close() {
      await pool.end();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `writers` loops of `work` until `seconds` pass; returns each call's duration (ms). */
export async function runFor(
  writers: number,
  seconds: number,
  work: (writer: number) => Promise<void>,
) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await work(writer);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, elapsed: (performance.now() - started) / 1000 };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
