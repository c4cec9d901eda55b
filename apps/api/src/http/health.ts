import type { DatabaseClients, MigrationFile, MigrationState, MigrationStatus } from '@kassa/db';
import { migrationStatus } from '@kassa/db';
import type { FastifyInstance } from 'fastify';

const DATABASE_TIMEOUT_MS = 2_000;

export interface Readiness {
  ready: boolean;
  checks: {
    database: { ok: boolean; error?: string };
    migrations: {
      ok: boolean;
      pending?: string[];
      edited?: string[];
      failed?: string[];
      error?: string;
    };
  };
}

/**
 * /healthz: the process is up (liveness; never touches dependencies, so a database outage does
 * not get healthy replicas restarted). /readyz: this replica can serve traffic: the database
 * answers and every migration this code expects is applied unchanged.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  db: DatabaseClients,
  migrations: MigrationFile[],
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const readiness = await checkReadiness(db, migrations);
    return reply.code(readiness.ready ? 200 : 503).send({
      status: readiness.ready ? 'ready' : 'unavailable',
      checks: readiness.checks,
    });
  });
}

export async function checkReadiness(
  db: DatabaseClients,
  migrations: MigrationFile[],
): Promise<Readiness> {
  const connecting = db.pool.connect();
  const client = await withTimeout(connecting, DATABASE_TIMEOUT_MS).catch((error: unknown) => {
    // A connection that arrives after the timeout goes straight back to the pool.
    connecting.then(
      (late) => late.release(),
      () => {},
    );
    return error as Error;
  });
  if (client instanceof Error) {
    return {
      ready: false,
      checks: {
        database: { ok: false, error: describe(client) },
        migrations: { ok: false, error: 'database unreachable' },
      },
    };
  }
  let status: MigrationStatus;
  try {
    status = await withTimeout(migrationStatus(client, migrations), DATABASE_TIMEOUT_MS);
    client.release();
  } catch (error) {
    // The connection may still be running the query that timed out: destroy it rather than
    // hand it back to the pool, where the next request would queue behind it.
    client.release(error as Error);
    return {
      ready: false,
      checks: { database: { ok: false, error: describe(error) }, migrations: { ok: false } },
    };
  }
  const names = (state: MigrationState) =>
    status.migrations.filter((m) => m.state === state).map((m) => m.name);
  const pending = names('pending');
  const edited = names('edited');
  const failed = names('failed');
  return {
    ready: status.upToDate,
    checks: {
      database: { ok: true },
      migrations: {
        ok: status.upToDate,
        ...(pending.length > 0 && { pending }),
        ...(edited.length > 0 && { edited }),
        ...(failed.length > 0 && { failed }),
      },
    },
  };
}

/** The kind of failure, without connection strings or credentials. */
function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (error instanceof TimeoutError) return 'timeout';
  return code ? `connection failed (${code})` : 'connection failed';
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
