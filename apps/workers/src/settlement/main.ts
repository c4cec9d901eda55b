import {
  eventBusSettings,
  loadConfigOrExit,
  loadDotEnv,
  orExit,
  settlementWorkerVariables,
  stopWithSupervisor,
  testClockFromEnv,
} from '@kassa/config';
import { systemClock } from '@kassa/contracts';
import { createDatabaseClients, resolveDatabase } from '@kassa/db';
import { createEventBus } from '@kassa/ledger';
import { HttpAcquirerReports, HttpBankClient } from '@kassa/settlement';
import { parseVaultKeys, Vault } from '@kassa/vault';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { startSettlementWorker } from './index.ts';

// The settlement worker process (docs/settlement.md). Started by `kassa dev` with DATABASE_URL
// set; started alone without it, it uses (or starts) the embedded PostgreSQL.
stopWithSupervisor();
loadDotEnv();
const config = loadConfigOrExit(settlementWorkerVariables);
const busSettings = orExit(() => eventBusSettings(config));
// End-to-end tests that span days set the clock (refused in production); else the system's.
const testClock = orExit(() => testClockFromEnv(config.KASSA_TEST_CLOCK, config.NODE_ENV));
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
const log = pino(
  { level: config.LOG_LEVEL, base: { service: 'kassa-settlement' } },
  process.stdout,
);

const database = await resolveDatabase(config);
const db = createDatabaseClients(database.url, {
  poolMax: config.DATABASE_POOL_MAX,
  applicationName: 'kassa-settlement',
  onIdleError: (err) => log.warn({ err }, 'idle database connection failed'),
});
const bus = createEventBus(db.pool, busSettings, { clientId: 'kassa-settlement' });
// Test mode's acquirer and bank are the simulator's: it serves the settlement report and the
// statement too. Live mode has no bank connector yet: live payouts stay pending, and live mode
// is not reconciled (docs/settlement.md).
const simulator = {
  url: config.ACQUIRER_URL,
  apiKey: config.ACQUIRER_API_KEY,
  timeoutMs: config.ACQUIRER_TIMEOUT_MS,
};
const testBank = new HttpBankClient(simulator);
const worker = await startSettlementWorker({
  pool: db.pool,
  bus,
  clock: testClock ?? systemClock,
  calendar: { cutoffMinutes: config.SETTLEMENT_CUTOFF },
  log,
  health: { host: config.SETTLEMENT_HOST, port: config.SETTLEMENT_PORT },
  reconcile: { test: { acquirer: new HttpAcquirerReports(simulator), bank: testBank } },
  payouts: {
    vault: new Vault(parseVaultKeys(config.KASSA_VAULT_KEYS, config.KASSA_VAULT_FINGERPRINT_KEY)),
    banks: { test: testBank },
    pollMs: config.SETTLEMENT_POLL_MS,
    checkEveryMs: config.SETTLEMENT_POLL_MS,
  },
});
// A test that moves the clock past a cutoff gets what the schedule would do at it: the close
// (reconciliation first), then the payouts it made sent.
testClock?.onMove(async () => {
  await worker.closeNow().catch((err: unknown) => log.error({ err }, 'settlement close failed'));
  await worker.payNow().catch((err: unknown) => log.error({ err }, 'payout run failed'));
});
log.info(
  { bus: bus.transport, health: worker.healthUrl, cutoffMinutes: config.SETTLEMENT_CUTOFF },
  'settlement worker started',
);

closeWithGrace({ delay: 60_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an uncaught error');
  else log.info({ signal }, 'shutting down: finishing the close in flight');
  await worker.stop();
  await bus.close();
  await db.close();
  await database.close();
  log.info('shut down cleanly');
});
