import { freePort, type TestDatabase } from '@kassa/db/testing';
import { afterAll, beforeAll } from 'vitest';
import type { startAcquirer } from './acquirer.ts';
import { moveClock, useApiProcess } from './api-process.ts';
import { TEST_ACQUIRER_KEY, TEST_VAULT_FINGERPRINT_KEY, TEST_VAULT_KEYS } from './constants.ts';
import { appEntry } from './entries.ts';
import { spawnEntry, stopProcess, untilReady } from './process.ts';

const settlementMain = appEntry('workers', 'src/settlement/main.ts');

/**
 * The settlement worker as its own process (apps/workers' settlement main: the balance
 * transactions from the PostgreSQL bus, the daily close, reconciliation and payouts), the way
 * `kassa dev` runs it, against `acquirerUrl` (the simulator's acquirer and bank). With
 * KASSA_TEST_CLOCK in `env`, `setClock` moves its clock and resolves once it has closed the
 * days that move ended. Resolves once it is ready.
 */
export async function startSettlementWorker(
  db: TestDatabase,
  acquirerUrl: string,
  env: Record<string, string> = {},
) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, output } = spawnEntry(settlementMain, {
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '4',
    KASSA_BUS: 'postgres',
    SETTLEMENT_HOST: '127.0.0.1',
    SETTLEMENT_PORT: String(port),
    SETTLEMENT_POLL_MS: '100',
    KASSA_VAULT_KEYS: TEST_VAULT_KEYS,
    KASSA_VAULT_FINGERPRINT_KEY: TEST_VAULT_FINGERPRINT_KEY,
    ACQUIRER_URL: acquirerUrl,
    ACQUIRER_API_KEY: TEST_ACQUIRER_KEY,
    LOG_LEVEL: 'warn',
    ...env,
  });
  await untilReady(child, 'settlement worker', `${url}/readyz`, output, 60_000);
  return {
    url,
    /** What it logged (at LOG_LEVEL) and wrote to stderr. */
    output,
    /** Moves its clock (it must have started with KASSA_TEST_CLOCK) and waits for the close. */
    setClock: (to: Date) => moveClock(child, to),
    stop: () => stopProcess(child, 'SIGTERM'),
  };
}

/**
 * useApiProcess with every clock stopped at `start` (the API's, the simulator's) and the
 * settlement worker on the same clock; `clocksAt` moves them all, and resolves once the worker
 * has closed the days that ended. `control` is given to the simulator first (its bank's and
 * disputes' delays).
 */
export function useSettlementPlatform(
  start: Date,
  control: Parameters<Awaited<ReturnType<typeof startAcquirer>>['control']>[0] = {},
) {
  const clock = { KASSA_TEST_CLOCK: start.toISOString(), NODE_ENV: 'test' };
  const platform = useApiProcess({ env: clock });
  const worker = {} as Awaited<ReturnType<typeof startSettlementWorker>>;
  beforeAll(async () => {
    await platform.env.acquirer.control({ ...control, now: start.toISOString() });
    Object.assign(
      worker,
      await startSettlementWorker(platform.db.current, platform.env.acquirer.url, clock),
    );
  }, 120_000);
  afterAll(async () => {
    await worker.stop?.();
  });
  /** Every clock of the platform at `at`: the API's, the simulator's, the worker's (which closes). */
  async function clocksAt(at: Date) {
    await platform.setClock(at);
    await platform.env.acquirer.control({ now: at.toISOString() });
    await worker.setClock(at);
  }
  return { ...platform, worker, clocksAt };
}
