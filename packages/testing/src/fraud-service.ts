import type { ChildProcess } from 'node:child_process';
import { freePort, type TestDatabase } from '@kassa/db/testing';
import { moveClock } from './api-process.ts';
import { TEST_FRAUD_KEY } from './constants.ts';
import { appEntry } from './entries.ts';
import { spawnEntry, stopProcess, untilReady } from './process.ts';

const fraudMain = appEntry('workers', 'src/fraud/main.ts');

/**
 * The fraud service as its own process (apps/workers' fraud main: scoring over HTTP, its
 * consumer group on the PostgreSQL bus), the way `kassa dev` runs it. `kill` stops it hard
 * (SIGKILL, as a crash would) and `restart` brings it back on the same port.
 */
export async function startFraudService(db: TestDatabase, env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let output = () => '';
  async function launch() {
    ({ child, output } = spawnEntry(fraudMain, {
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '6',
      KASSA_BUS: 'postgres',
      FRAUD_HOST: '127.0.0.1',
      FRAUD_PORT: String(port),
      FRAUD_API_KEY: TEST_FRAUD_KEY,
      LOG_LEVEL: 'warn',
      ...env,
    }));
    await untilReady(child, 'fraud service', `${url}/readyz`, output, 60_000);
  }
  const stop = (signal: NodeJS.Signals) => stopProcess(child, signal);
  await launch();
  return {
    url,
    /** What the API needs to call it. */
    apiEnv: { FRAUD_URL: url, FRAUD_API_KEY: TEST_FRAUD_KEY },
    /** What it logged (warnings and errors) and wrote to stderr. */
    output: () => output(),
    /** Moves its clock (it must have started with KASSA_TEST_CLOCK). */
    setClock: (to: Date) => moveClock(child, to),
    kill: () => stop('SIGKILL'),
    restart: launch,
    stop: () => stop('SIGTERM'),
  };
}
