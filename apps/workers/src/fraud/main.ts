import {
  eventBusSettings,
  fraudServiceVariables,
  loadConfigOrExit,
  loadDotEnv,
  orExit,
  stopWithSupervisor,
  testClockFromEnv,
} from '@kassa/config';
import { systemClock } from '@kassa/contracts';
import { createDatabaseClients, resolveDatabase } from '@kassa/db';
import { createEventBus } from '@kassa/ledger';
import { DEFAULT_USD_RATES, GeoIp, parseUsdRates } from '@kassa/risk';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { startFraudService } from './index.ts';

// The fraud service process (docs/risk.md). Started by `kassa dev` with DATABASE_URL set;
// started alone without it, it uses (or starts) the embedded PostgreSQL.
stopWithSupervisor();
loadDotEnv();
const config = loadConfigOrExit(fraudServiceVariables);
const busSettings = orExit(() => eventBusSettings(config));
const testClock = orExit(() => testClockFromEnv(config.KASSA_TEST_CLOCK, config.NODE_ENV));
const apiKey = orExit(() => {
  if (!config.FRAUD_API_KEY) throw new Error('FRAUD_API_KEY is required by the fraud service');
  return config.FRAUD_API_KEY;
});
const scoring = orExit(() => ({
  usdRates: parseUsdRates(config.RISK_USD_RATES ?? DEFAULT_USD_RATES),
  geoIp: config.RISK_GEOIP_FILE ? GeoIp.fromFile(config.RISK_GEOIP_FILE) : undefined,
}));
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
const log = pino({ level: config.LOG_LEVEL, base: { service: 'kassa-fraud' } }, process.stdout);

const database = await resolveDatabase(config);
const db = createDatabaseClients(database.url, {
  poolMax: config.DATABASE_POOL_MAX,
  applicationName: 'kassa-fraud',
  onIdleError: (err) => log.warn({ err }, 'idle database connection failed'),
});
const bus = createEventBus(db.pool, busSettings, { clientId: 'kassa-fraud' });
const service = await startFraudService({
  pool: db.pool,
  bus,
  clock: testClock ?? systemClock,
  log,
  apiKey,
  scoring,
  listen: { host: config.FRAUD_HOST, port: config.FRAUD_PORT },
});
// A test that moves the clock gets what the schedule would do then: the anomaly detection.
testClock?.onMove(async () => {
  await service.detectNow().catch((err: unknown) => log.error({ err }, 'anomaly detection failed'));
});
log.info(
  { url: service.url, bus: bus.transport, geoIp: Boolean(scoring.geoIp) },
  'fraud service started',
);

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an uncaught error');
  else log.info({ signal }, 'shutting down');
  await service.stop();
  await bus.close();
  await db.close();
  await database.close();
  log.info('shut down cleanly');
});
