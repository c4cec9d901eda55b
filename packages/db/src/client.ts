import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

export interface DatabaseClients {
  /** Raw pool, for SQL the ledger and runner write by hand. */
  pool: pg.Pool;
  /** Prisma over the same pool (driver adapter), for everything else. */
  prisma: PrismaClient;
  close(): Promise<void>;
}

export interface DatabaseClientOptions {
  poolMax?: number;
  applicationName?: string;
  /** Called for errors on idle connections (database restarted, network cut). */
  onIdleError?: (error: Error) => void;
}

export function createDatabaseClients(
  url: string,
  options: DatabaseClientOptions = {},
): DatabaseClients {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'kassa',
    connectionTimeoutMillis: 5_000,
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', options.onIdleError ?? (() => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed: Promise<void> | undefined;
  return {
    pool,
    prisma,
    close() {
      closed ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closed;
    },
  };
}
