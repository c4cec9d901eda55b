import {
  acquirerSimVariables,
  loadConfigOrExit,
  loadDotEnv,
  stopWithSupervisor,
} from '@kassa/config';
import { createDatabaseClients, resolveDatabase } from '@kassa/db';
import { buildAcquirerServer } from './server.ts';
import { ensureSchema } from './store.ts';

// The acquirer simulator process. It keeps its records in its own schema (acquirer_sim) of the
// database it is given, as an outside party would keep its own.
loadDotEnv();
const config = loadConfigOrExit(acquirerSimVariables);
const database = await resolveDatabase(config);
const db = createDatabaseClients(database.url, {
  poolMax: config.DATABASE_POOL_MAX,
  applicationName: 'kassa-acquirer-sim',
});
await ensureSchema(db.pool);

const [min = 0, max = min] = config.ACQUIRER_LATENCY_MS.split('-').map(Number);
const app = await buildAcquirerServer({
  pool: db.pool,
  apiKey: config.ACQUIRER_API_KEY,
  publicUrl:
    config.ACQUIRER_PUBLIC_URL?.replace(/\/$/, '') ??
    `http://${config.ACQUIRER_HOST}:${config.ACQUIRER_PORT}`,
  behaviour: {
    latencyMs: [min, max],
    faultRate: config.ACQUIRER_FAULT_RATE,
    lostResponseRate: config.ACQUIRER_LOST_RESPONSE_RATE,
    bankSettleDelayMs: config.BANK_SETTLE_DELAY_MS,
  },
  logger: { level: config.LOG_LEVEL },
});
app.addHook('onClose', async () => {
  await db.close();
  await database.close();
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void app.close().then(() => process.exit(0));
  });
}
stopWithSupervisor();

await app.listen({ host: config.ACQUIRER_HOST, port: config.ACQUIRER_PORT });
