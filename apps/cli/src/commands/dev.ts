import { join } from 'node:path';
import { type Config, databaseVariables, loadConfigOrExit } from '@kassa/config';
import { createDatabaseClients, type DatabaseTarget, migrate, resolveDatabase } from '@kassa/db';
import { type KafkaBroker, startKafkaBroker } from '@kassa/kafka';
import { type DemoKeys, demoKeysForDev } from '../dev/demo-keys.ts';
import { type DemoOwner, demoOwnerForDev } from '../dev/demo-owner.ts';
import { localSecrets } from '../dev/local-secrets.ts';
import { platformProcesses } from '../dev/processes.ts';
import { Supervisor } from '../dev/supervisor.ts';
import { redactUrl, say, style, warn } from '../output.ts';

const devVariables = [
  ...databaseVariables,
  'LOG_LEVEL',
  'API_HOST',
  'API_PORT',
  'ACQUIRER_HOST',
  'ACQUIRER_PORT',
  'SETTLEMENT_HOST',
  'SETTLEMENT_PORT',
  'FRAUD_HOST',
  'FRAUD_PORT',
  'SETTLEMENT_CUTOFF',
  'API_SHUTDOWN_GRACE_MS',
  'CHECKOUT_URL',
  'DASHBOARD_URL',
  'KASSA_BUS',
  'KAFKA_BROKERS',
  'KASSA_EMBEDDED_KAFKA_PORT',
] as const;

/** How the platform's processes reach the bus (variables added to each one's environment). */
interface BusTarget {
  env: Record<string, string>;
  description: string;
  broker?: KafkaBroker;
}

/**
 * `kassa dev` (what `npm start` runs): the database (embedded unless DATABASE_URL is set),
 * migrations, the demo merchant on first start, then every platform process. Ctrl-C stops the
 * processes first and the database last.
 */
export async function devCommand(options: { bus?: string } = {}): Promise<number> {
  const config = loadConfigOrExit(devVariables, {
    ...process.env,
    ...(options.bus !== undefined && { KASSA_BUS: options.bus }),
  });
  let exitCode = 0;
  let interrupted = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let database: DatabaseTarget | undefined;
  let bus: BusTarget | undefined;
  const supervisor = new Supervisor(
    (name, line) => say(`${style('cyan', name.padEnd(9))} │ ${line}`),
    (name, code, signal) => {
      warn(
        style('red', `${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping Kassa.`),
      );
      exitCode = 1;
      finish();
    },
  );
  // Installed before anything starts, so a Ctrl-C (or a closed terminal) at any point still
  // stops what was started, in order. A second one stops everything at once.
  const onSignal = () => {
    if (!interrupted) {
      interrupted = true;
      say(style('bold', '\nStopping Kassa… (Ctrl-C again to force)'));
      supervisor.interrupt();
      finish();
      return;
    }
    supervisor.kill();
    void Promise.all([bus?.broker?.kill(), database?.close()]).finally(() => process.exit(130));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  say(style('bold', 'Starting Kassa…'));
  try {
    database = await resolveDatabase(config, (m) => say(style('dim', `  ${m}`)));
    const secrets = await localSecrets(config.KASSA_DATA_DIR);
    const demo = interrupted ? undefined : await prepareDatabase(database.url, config);
    bus = interrupted ? undefined : await startBus(config);
    for (const spec of platformProcesses({
      busEnv: bus?.env ?? {},
      databaseUrl: database.url,
      apiHost: config.API_HOST,
      apiPort: config.API_PORT,
      acquirerHost: config.ACQUIRER_HOST,
      acquirerPort: config.ACQUIRER_PORT,
      settlementHost: config.SETTLEMENT_HOST,
      settlementPort: config.SETTLEMENT_PORT,
      fraudHost: config.FRAUD_HOST,
      fraudPort: config.FRAUD_PORT,
      checkoutUrl: config.CHECKOUT_URL,
      dashboardUrl: config.DASHBOARD_URL,
      logLevel: config.LOG_LEVEL,
      secrets,
    })) {
      if (interrupted || exitCode !== 0) break;
      await supervisor.start(spec);
    }
    if (!interrupted && exitCode === 0) {
      printBanner(config, database.url, Boolean(database.embedded), demo, bus);
    }
    await done;
  } catch (error) {
    if (!interrupted) {
      warn(style('red', `Kassa failed to start: ${(error as Error).message}`));
      exitCode = 1;
    }
  } finally {
    await supervisor.stop(config.API_SHUTDOWN_GRACE_MS + 2_000);
    await bus?.broker?.stop();
    await database?.close();
    say('Kassa stopped.');
  }
  return exitCode;
}

/**
 * The bus the processes use. Kafka without KAFKA_BROKERS: a broker of this machine's own, its
 * storage under KASSA_DATA_DIR (kept across restarts, like the database), with the replication
 * settings a single broker can meet.
 */
async function startBus(config: Config<(typeof devVariables)[number]>): Promise<BusTarget> {
  if (config.KASSA_BUS === 'postgres') {
    return { env: { KASSA_BUS: 'postgres' }, description: 'PostgreSQL log (KASSA_BUS=postgres)' };
  }
  if (config.KAFKA_BROKERS.length > 0) {
    return {
      env: { KASSA_BUS: 'kafka', KAFKA_BROKERS: config.KAFKA_BROKERS.join(',') },
      description: `Kafka at ${config.KAFKA_BROKERS.join(',')}`,
    };
  }
  const dataDir = join(config.KASSA_DATA_DIR, 'kafka-broker');
  const broker = await startKafkaBroker({
    dataDir,
    port: config.KASSA_EMBEDDED_KAFKA_PORT,
    controllerPort: config.KASSA_EMBEDDED_KAFKA_PORT + 1,
    cacheDir: config.KASSA_DATA_DIR,
    log: (m) => say(style('dim', `  ${m}`)),
  });
  return {
    env: {
      KASSA_BUS: 'kafka',
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
    },
    description: `Kafka at ${broker.brokers.join(',')} (local broker, data in ${dataDir})`,
    broker,
  };
}

async function prepareDatabase(url: string, config: Config<(typeof devVariables)[number]>) {
  const db = createDatabaseClients(url, { poolMax: 2, applicationName: 'kassa-dev' });
  try {
    const applied = await migrate(db.pool, { log: (m) => say(style('dim', `  ${m}`)) });
    if (applied.length > 0) say(style('dim', `  applied ${applied.length} migration(s)`));
    const keys = await demoKeysForDev(db.prisma, config.KASSA_DATA_DIR, url);
    return { keys, owner: await demoOwnerForDev(db.pool, config.KASSA_DATA_DIR) };
  } finally {
    await db.close();
  }
}

function printBanner(
  config: Config<(typeof devVariables)[number]>,
  databaseUrl: string,
  embedded: boolean,
  demo: { keys?: { keys: DemoKeys; seeded: boolean }; owner: DemoOwner } | undefined,
  bus: BusTarget | undefined,
): void {
  const api = `http://${config.API_HOST}:${config.API_PORT}`;
  say();
  say(style(['bold', 'green'], 'Kassa is running.'));
  say(
    `  API              ${style('bold', api)}  (health ${api}/healthz, ready ${api}/readyz, tRPC ${api}/trpc)`,
  );
  say(
    `  Acquirer (sim)   http://${config.ACQUIRER_HOST}:${config.ACQUIRER_PORT}  (test cards: apps/acquirer-sim/README.md)`,
  );
  say(
    `  Checkout         ${config.CHECKOUT_URL.replace(/\/$/, '')}/pay/<session id>  (create one with checkoutSessions.create; development mode)`,
  );
  say('  Webhooks worker  running (endpoints: webhookEndpoints.create; docs/webhooks.md)');
  say(
    `  Settlement       http://${config.SETTLEMENT_HOST}:${config.SETTLEMENT_PORT}/readyz  (closes each day at ${String(Math.floor(config.SETTLEMENT_CUTOFF / 60)).padStart(2, '0')}:${String(config.SETTLEMENT_CUTOFF % 60).padStart(2, '0')} UTC; docs/settlement.md)`,
  );
  say(
    `  Fraud service    http://${config.FRAUD_HOST}:${config.FRAUD_PORT}/readyz  (risk rules and reviews; docs/risk.md)`,
  );
  if (bus) say(`  Event bus        ${bus.description}`);
  say(
    `  Database         ${redactUrl(databaseUrl)}${embedded ? ` (embedded, data in ${config.KASSA_DATA_DIR})` : ''}`,
  );
  const dashboard = config.DASHBOARD_URL.replace(/\/$/, '');
  const owner = demo?.owner;
  say(
    `  Dashboard        ${style('bold', dashboard)}  (${
      owner?.password
        ? `sign in as ${owner.email}, password ${style('bold', owner.password)}`
        : owner
          ? `sign in as ${owner.email} with the password you set`
          : 'sign up for a merchant'
    }; development mode)`,
  );
  say(
    process.env.SMTP_URL
      ? '  Emails           sent through SMTP_URL (invitations, password resets)'
      : "  Emails           written to the API's output, links included (no SMTP_URL): look for 'email not sent'",
  );
  const keys = demo?.keys;
  if (keys) {
    say(
      `  Demo merchant    ${keys.keys.merchantId} (owner ${keys.keys.ownerEmail})${keys.seeded ? ', created now' : ''}`,
    );
    say(`  Secret key       ${style('bold', keys.keys.secretKey)}`);
    say(`  Publishable key  ${style('bold', keys.keys.publishableKey)}`);
  } else {
    say('  Demo keys        not available here; `pnpm kassa seed` issues a new pair');
  }
  say(style('dim', 'Press Ctrl-C to stop.'));
  say();
}
