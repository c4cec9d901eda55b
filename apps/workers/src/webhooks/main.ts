import {
  eventBusSettings,
  loadConfigOrExit,
  loadDotEnv,
  orExit,
  stopWithSupervisor,
  webhooksWorkerVariables,
} from '@kassa/config';
import { createDatabaseClients, resolveDatabase } from '@kassa/db';
import { createEventBus } from '@kassa/ledger';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { startWebhooksWorker } from './index.ts';

// The webhooks worker process. Started by `kassa dev` with DATABASE_URL set; started alone
// without it, it uses (or starts) the embedded PostgreSQL. It needs the KASSA_SECRET_KEY (and,
// during a rotation, KASSA_SECRET_KEY_PREVIOUS) of the API: the endpoints' signing secrets are
// derived from it.
// Under `kassa dev`: stop when the supervisor goes away. Called first, so a supervisor that dies
// while this process is still starting is not missed (until the graceful handler below is
// installed, SIGTERM simply ends the process).
stopWithSupervisor();
loadDotEnv();
const config = loadConfigOrExit(webhooksWorkerVariables);
const busSettings = orExit(() => eventBusSettings(config));
// Logs go through process.stdout, not pino's sonic-boom: when the reader of stdout is gone (the
// `kassa dev` supervisor was killed), sonic-boom retries its exit-time flush forever; a stream
// reports EPIPE as an error event instead, which is ignored (see apps/api/src/http/logger.ts).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
const log = pino(
  {
    level: config.LOG_LEVEL,
    base: { service: 'kassa-webhooks' },
    redact: { paths: ['*.secret', '*.password'], censor: '[redacted]' },
  },
  process.stdout,
);

const database = await resolveDatabase(config);
const db = createDatabaseClients(database.url, {
  poolMax: config.DATABASE_POOL_MAX,
  applicationName: 'kassa-webhooks',
  onIdleError: (err) => log.warn({ err }, 'idle database connection failed'),
});
// The consumer group `webhooks` on the configured bus: the PostgreSQL log, or the Kafka topic.
const bus = createEventBus(db.pool, busSettings, { clientId: 'kassa-webhooks' });
const worker = await startWebhooksWorker({
  pool: db.pool,
  bus,
  platformSecret: config.KASSA_SECRET_KEY,
  previousPlatformSecret: config.KASSA_SECRET_KEY_PREVIOUS,
  acceptPreHkdf: config.KASSA_ACCEPT_PRE_HKDF_KEYS,
  dispatcher: {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    retryCapMs: config.WEBHOOK_RETRY_CAP_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
    log,
  },
});
log.info({ bus: bus.transport }, 'webhooks worker started');

closeWithGrace({ delay: config.WEBHOOK_TIMEOUT_MS + 5000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an uncaught error');
  else log.info({ signal }, 'shutting down: finishing deliveries in flight');
  await worker.stop();
  await bus.close();
  await db.close();
  await database.close();
  log.info('shut down cleanly');
});
