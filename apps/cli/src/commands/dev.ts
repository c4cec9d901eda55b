import { type Config, databaseVariables, loadConfigOrExit } from '@kassa/config';
import { createDatabaseClients, type DatabaseTarget, migrate, resolveDatabase } from '@kassa/db';
import { type DemoKeys, demoKeysForDev } from '../dev/demo-keys.ts';
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
  'API_SHUTDOWN_GRACE_MS',
  'CHECKOUT_URL',
] as const;

/**
 * `kassa dev` (what `npm start` runs): the database (embedded unless DATABASE_URL is set),
 * migrations, the demo merchant on first start, then every platform process. Ctrl-C stops the
 * processes first and the database last.
 */
export async function devCommand(): Promise<number> {
  const config = loadConfigOrExit(devVariables);
  let exitCode = 0;
  let interrupted = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let database: DatabaseTarget | undefined;
  const supervisor = new Supervisor(
    (name, line) => say(`${style('cyan', name.padEnd(8))} │ ${line}`),
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
    void (database?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  say(style('bold', 'Starting Kassa…'));
  try {
    database = await resolveDatabase(config, (m) => say(style('dim', `  ${m}`)));
    const secrets = await localSecrets(config.KASSA_DATA_DIR);
    const keys = interrupted ? undefined : await prepareDatabase(database.url, config);
    for (const spec of platformProcesses({
      databaseUrl: database.url,
      apiHost: config.API_HOST,
      apiPort: config.API_PORT,
      acquirerHost: config.ACQUIRER_HOST,
      acquirerPort: config.ACQUIRER_PORT,
      checkoutUrl: config.CHECKOUT_URL,
      logLevel: config.LOG_LEVEL,
      secrets,
    })) {
      if (interrupted || exitCode !== 0) break;
      await supervisor.start(spec);
    }
    if (!interrupted && exitCode === 0) {
      printBanner(config, database.url, Boolean(database.embedded), keys);
    }
    await done;
  } catch (error) {
    if (!interrupted) {
      warn(style('red', `Kassa failed to start: ${(error as Error).message}`));
      exitCode = 1;
    }
  } finally {
    await supervisor.stop(config.API_SHUTDOWN_GRACE_MS + 2_000);
    await database?.close();
    say('Kassa stopped.');
  }
  return exitCode;
}

async function prepareDatabase(url: string, config: Config<(typeof devVariables)[number]>) {
  const db = createDatabaseClients(url, { poolMax: 2, applicationName: 'kassa-dev' });
  try {
    const applied = await migrate(db.pool, { log: (m) => say(style('dim', `  ${m}`)) });
    if (applied.length > 0) say(style('dim', `  applied ${applied.length} migration(s)`));
    return await demoKeysForDev(db.prisma, config.KASSA_DATA_DIR, url);
  } finally {
    await db.close();
  }
}

function printBanner(
  config: Config<(typeof devVariables)[number]>,
  databaseUrl: string,
  embedded: boolean,
  demo: { keys: DemoKeys; seeded: boolean } | undefined,
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
    `  Database         ${redactUrl(databaseUrl)}${embedded ? ` (embedded, data in ${config.KASSA_DATA_DIR})` : ''}`,
  );
  if (demo) {
    say(
      `  Demo merchant    ${demo.keys.merchantId} (owner ${demo.keys.ownerEmail})${demo.seeded ? ', created now' : ''}`,
    );
    say(`  Secret key       ${style('bold', demo.keys.secretKey)}`);
    say(`  Publishable key  ${style('bold', demo.keys.publishableKey)}`);
  } else {
    say('  Demo keys        not available here; `pnpm kassa seed` issues a new pair');
  }
  say(style('dim', 'Press Ctrl-C to stop.'));
  say();
}
