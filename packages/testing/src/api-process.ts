import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type TestDatabase } from '@kassa/db/testing';
import { afterAll, beforeAll } from 'vitest';
import { startAcquirer } from './acquirer.ts';
import { client } from './client.ts';
import {
  TEST_ACQUIRER_KEY,
  TEST_SECRET_KEY,
  TEST_SESSION_SECRET,
  TEST_VAULT_FINGERPRINT_KEY,
  TEST_VAULT_KEYS,
} from './constants.ts';
import { useApiDatabase } from './database.ts';
import { appEntry } from './entries.ts';
import { newMerchant } from './merchant.ts';
import { spawnEntry, stopProcess, untilReady } from './process.ts';

const apiMain = appEntry('api', 'src/main.ts');

/**
 * The API process (apps/api's main, with its background jobs) on the test database, configured
 * through its environment as in production. `env` overrides any variable (API_RATE_LIMIT…).
 * It has an IPC channel to this process, so it stops when the test run does.
 */
export async function startApiProcess(
  db: TestDatabase,
  env: Record<string, string> = {},
): Promise<{
  base: string;
  port: number;
  stop: () => Promise<void>;
  /** Moves the API's clock (it must have started with KASSA_TEST_CLOCK). */
  setClock: (to: Date) => Promise<void>;
}> {
  const port = env.API_PORT ? Number(env.API_PORT) : await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { child, output } = spawnEntry(
    apiMain,
    {
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '8',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      KASSA_SECRET_KEY: TEST_SECRET_KEY,
      NEXTAUTH_SECRET: TEST_SESSION_SECRET,
      KASSA_VAULT_KEYS: TEST_VAULT_KEYS,
      KASSA_VAULT_FINGERPRINT_KEY: TEST_VAULT_FINGERPRINT_KEY,
      ACQUIRER_URL: 'http://127.0.0.1:9', // nothing listens there unless a simulator is given
      ACQUIRER_API_KEY: TEST_ACQUIRER_KEY,
      ACQUIRER_TIMEOUT_MS: '1000',
      API_RATE_LIMIT: '100000',
      LOG_LEVEL: 'warn',
      // Uploaded files in a folder of this test run's own, not the developer's KASSA_DATA_DIR.
      FILES_DIR: join(tmpdir(), `kassa-test-files-${process.pid}`),
      ...env,
    },
    { stdout: false },
  );
  await untilReady(child, 'API', `${base}/readyz`, output, 60_000);
  return {
    base,
    port,
    setClock: (to) => moveClock(child, to),
    stop: () => stopProcess(child, 'SIGTERM'),
  };
}

/**
 * Moves the clock of a process started with KASSA_TEST_CLOCK (over its IPC channel), and waits
 * until it has moved and done what it does then (the settlement worker closes days).
 */
export async function moveClock(child: ChildProcess, to: Date): Promise<void> {
  const iso = to.toISOString();
  const moved = new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if ((message as { kassaTestClockMoved?: string } | null)?.kassaTestClockMoved !== iso) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = () => reject(new Error('the process exited before its clock moved'));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  child.send({ kassaTestClock: iso });
  await moved;
}

type Client = ReturnType<typeof client>;

/**
 * A test file's whole platform, as processes: its database (with `kassa ledger verify` after),
 * the acquirer simulator, the API, one merchant, and callers with its secret key (`call`) and
 * publishable key (`browser`). `env` fills in before the first test.
 */
export function useApiProcess(
  options: { checkoutUrl?: string; port?: number; env?: Record<string, string> } = {},
) {
  const db = useApiDatabase();
  const env = {} as {
    base: string;
    acquirer: Awaited<ReturnType<typeof startAcquirer>>;
    merchant: Awaited<ReturnType<typeof newMerchant>>;
  };
  let api: Awaited<ReturnType<typeof startApiProcess>> | undefined;
  const setClock = (to: Date) => {
    if (!api) throw new Error('the API is not started');
    return api.setClock(to);
  };
  beforeAll(async () => {
    env.acquirer = await startAcquirer(db.current);
    api = await startApiProcess(db.current, {
      ACQUIRER_URL: env.acquirer.url,
      ...(options.checkoutUrl && { CHECKOUT_URL: options.checkoutUrl }),
      ...(options.port && { API_PORT: String(options.port) }),
      ...options.env,
    });
    env.base = api.base;
    env.merchant = await newMerchant(db.current);
  }, 90_000);
  afterAll(async () => {
    await api?.stop();
    await env.acquirer?.stop();
  });
  const call: Client = (path, input, options) =>
    client(env.base, env.merchant.secretKey)(path, input, options);
  const browser: Client = (path, input, options) =>
    client(env.base, env.merchant.publishableKey)(path, input, options);
  return { db, env, call, browser, setClock };
}
