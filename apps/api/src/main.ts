import { join } from 'node:path';
import { SmtpMailer } from '@kassa/api';
import {
  apiVariables,
  eventBusSettings,
  loadConfigOrExit,
  loadDotEnv,
  orExit,
  stopWithSupervisor,
  testClockFromEnv,
} from '@kassa/config';
import { createDatabaseClients, resolveDatabase } from '@kassa/db';
import { createEventBus } from '@kassa/ledger';
import { AcquirerClient, DiskFileStorage } from '@kassa/payments';
import { FraudClient } from '@kassa/risk';
import { parseVaultKeys, Vault } from '@kassa/vault';
import { buildApiServer, cardTestingLimits } from './server.ts';
import { installGracefulShutdown } from './shutdown.ts';

// The API process. Started by `kassa dev` with DATABASE_URL set; started alone without it, it
// uses (or starts) the embedded PostgreSQL. It never migrates: `kassa db migrate` does, and
// /readyz stays 503 until the database is current.
loadDotEnv();
const config = loadConfigOrExit(apiVariables);
const busSettings = orExit(() => eventBusSettings(config));
// End-to-end tests that span days set the clock (refused in production); else the system's.
const testClock = orExit(() => testClockFromEnv(config.KASSA_TEST_CLOCK, config.NODE_ENV));

const database = await resolveDatabase(config);
const db = createDatabaseClients(database.url, {
  poolMax: config.DATABASE_POOL_MAX,
  applicationName: 'kassa-api',
  onIdleError: (err) => app.log.warn({ err }, 'idle database connection failed'),
});
if (config.ACQUIRER_LIVE_URL && !config.ACQUIRER_LIVE_API_KEY) {
  process.stderr.write(
    'ACQUIRER_LIVE_URL is set without ACQUIRER_LIVE_API_KEY: set both, or neither.\n',
  );
  process.exit(1);
}
if (config.FRAUD_URL && !config.FRAUD_API_KEY) {
  process.stderr.write('FRAUD_URL is set without FRAUD_API_KEY: set both, or neither.\n');
  process.exit(1);
}
// The bus only publishes here (Kafka: the outbox relay); the workers consume.
const bus = createEventBus(db.pool, busSettings, { clientId: 'kassa-api' });
const resilience = {
  timeoutMs: config.ACQUIRER_TIMEOUT_MS,
  retries: config.ACQUIRER_RETRIES,
  breakerThreshold: config.ACQUIRER_BREAKER_THRESHOLD,
  halfOpenAfterMs: config.ACQUIRER_BREAKER_HALF_OPEN_MS,
  maxConcurrent: config.ACQUIRER_MAX_CONCURRENT,
};
const app = await buildApiServer({
  db,
  ...(testClock && { clock: testClock }),
  logger: config.LOG_LEVEL,
  secretKey: config.KASSA_SECRET_KEY,
  previousSecretKey: config.KASSA_SECRET_KEY_PREVIOUS,
  acceptPreHkdfKeys: config.KASSA_ACCEPT_PRE_HKDF_KEYS,
  sessionSecret: config.NEXTAUTH_SECRET,
  vault: new Vault(parseVaultKeys(config.KASSA_VAULT_KEYS, config.KASSA_VAULT_FINGERPRINT_KEY)),
  // Test mode: the simulator. Live mode: the live connector, a client (breaker, bulkhead) of its own.
  acquirer: new AcquirerClient({
    url: config.ACQUIRER_URL,
    apiKey: config.ACQUIRER_API_KEY,
    ...resilience,
  }),
  ...(config.ACQUIRER_LIVE_URL && {
    liveAcquirer: new AcquirerClient({
      url: config.ACQUIRER_LIVE_URL,
      apiKey: config.ACQUIRER_LIVE_API_KEY as string,
      ...resilience,
    }),
  }),
  publicUrl: config.API_PUBLIC_URL ?? `http://${config.API_HOST}:${config.API_PORT}`,
  checkoutUrl: config.CHECKOUT_URL,
  dashboardUrl: config.DASHBOARD_URL,
  settlementCalendar: { cutoffMinutes: config.SETTLEMENT_CUTOFF },
  ...(config.SMTP_URL && { mailer: new SmtpMailer(config.SMTP_URL, config.MAIL_FROM) }),
  background: true,
  bus,
  rateLimit: config.API_RATE_LIMIT,
  authPerMinute: config.API_AUTH_RATE_LIMIT,
  trustProxy: config.API_TRUST_PROXY,
  cardTesting: cardTestingLimits(config),
  files: new DiskFileStorage(config.FILES_DIR ?? join(config.KASSA_DATA_DIR, 'files')),
  // Without FRAUD_URL payments are not scored (docs/risk.md).
  ...(config.FRAUD_URL && {
    fraud: new FraudClient({
      url: config.FRAUD_URL,
      apiKey: config.FRAUD_API_KEY as string,
      timeoutMs: config.FRAUD_TIMEOUT_MS,
      breakerThreshold: config.FRAUD_BREAKER_THRESHOLD,
      halfOpenAfterMs: config.FRAUD_BREAKER_HALF_OPEN_MS,
      maxConcurrent: config.FRAUD_MAX_CONCURRENT,
    }),
  }),
});
if (!config.SMTP_URL && config.NODE_ENV === 'production') {
  app.log.warn(
    'SMTP_URL is not set: invitation and password reset emails are written to this log, not sent',
  );
}
// After the last request: the pool first, then the embedded server if this process owns it.
app.addHook('onClose', async () => {
  await bus.close();
  await db.close();
  await database.close();
});

installGracefulShutdown(app, config.API_SHUTDOWN_GRACE_MS);
stopWithSupervisor();
await app.listen({ host: config.API_HOST, port: config.API_PORT });
