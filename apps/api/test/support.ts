import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type Clock, newId } from '@kassa/contracts';
import { issueApiKey } from '@kassa/db';
import { freePort, type TestDatabase, useTestDatabase } from '@kassa/db/testing';
import { findCardNumbers, maskCardNumber, parseVaultKeys, VAULT_TABLES, Vault } from '@kassa/vault';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { AcquirerClient, type AcquirerClientOptions } from '../src/acquirer/client.ts';
import { buildApiServer } from '../src/index.ts';

/** The KASSA_SECRET_KEY API tests run with. */
export const TEST_SECRET_KEY = 'test-secret-key-for-kassa-api-tests-0123456789';

/** The vault keys API tests run with (fixed, so a test can open what another process sealed). */
export const TEST_VAULT_KEYS = 'ktest:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
export const TEST_VAULT_FINGERPRINT_KEY = 'fingerprint-key-for-kassa-api-tests-0123456789';

/** The NEXTAUTH_SECRET API tests run with (dashboard session cookies). */
export const TEST_SESSION_SECRET = 'session-secret-for-kassa-api-tests-0123456789';

export const TEST_ACQUIRER_KEY = 'acquirer-key-for-kassa-api-tests-0123456789';

/** What buildApiServer needs besides the database, as the tests set it. */
export function testServices(acquirer: Partial<AcquirerClientOptions> & { url?: string } = {}) {
  return {
    secretKey: TEST_SECRET_KEY,
    sessionSecret: TEST_SESSION_SECRET,
    vault: new Vault(parseVaultKeys(TEST_VAULT_KEYS, TEST_VAULT_FINGERPRINT_KEY)),
    acquirer: new AcquirerClient({
      url: 'http://127.0.0.1:9', // nothing listens there: tests that pay start a simulator
      apiKey: TEST_ACQUIRER_KEY,
      timeoutMs: 1_000,
      retries: 2,
      breakerThreshold: 5,
      halfOpenAfterMs: 500,
      maxConcurrent: 64,
      ...acquirer,
    }),
    publicUrl: 'http://127.0.0.1:4000',
  };
}

const simulatorMain = fileURLToPath(import.meta.resolve('@kassa/acquirer-sim/main'));
const tsx = createRequire(import.meta.url).resolve('tsx');

/**
 * The acquirer simulator as its own process (real HTTP, its own schema in the test database),
 * the way `npm start` runs it. `control` changes its latency and fault rates while it runs.
 */
export async function startAcquirer(db: TestDatabase, env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn>;
  let errors = '';
  async function launch() {
    errors = '';
    child = spawn(process.execPath, ['--import', tsx, simulatorMain], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_POOL_MAX: '8',
        ACQUIRER_HOST: '127.0.0.1',
        ACQUIRER_PORT: String(port),
        ACQUIRER_API_KEY: TEST_ACQUIRER_KEY,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk) => {
      errors += chunk;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the simulator exited: ${errors}`);
      if (Date.now() > deadline) throw new Error(`the simulator did not start: ${errors}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async function stop(signal: NodeJS.Signals) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
  await launch();
  return {
    url,
    port,
    async control(settings: {
      latency_ms?: [number, number];
      fault_rate?: number;
      lost_response_rate?: number;
    }) {
      const response = await fetch(`${url}/_control`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ACQUIRER_KEY}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(settings),
      });
      if (!response.ok) throw new Error(`control failed: ${response.status}`);
    },
    stop: () => stop('SIGTERM'),
    /** The acquirer dies outright (connections refused until `restart`). */
    kill: () => stop('SIGKILL'),
    /** Starts it again on the same port, with the same records. */
    restart: launch,
  };
}

/**
 * The real API on a free port, over the test database. Its logs (every level, through the
 * production logger and its redaction) are kept in `logs`, so tests can read them.
 */
export async function startApi(
  db: TestDatabase,
  acquirer: Parameters<typeof testServices>[0] = {},
  options: {
    background?: boolean;
    rateLimit?: number;
    checkoutUrl?: string;
    port?: number;
    clock?: Clock;
    idempotencyWaitMs?: number;
  } = {},
): Promise<{ app: FastifyInstance; base: string; logs: string[] }> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApiServer({
    db,
    ...testServices(acquirer),
    // On a known port, browsers coming back from 3-D Secure reach this API.
    ...(options.port && { publicUrl: `http://127.0.0.1:${options.port}` }),
    logger: { level: 'trace', stream },
    background: options.background,
    rateLimit: options.rateLimit ?? 100_000,
    checkoutUrl: options.checkoutUrl,
    clock: options.clock,
    idempotencyWaitMs: options.idempotencyWaitMs,
  });
  const base = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return { app, base, logs };
}

/**
 * Every card number found outside the vault: in any other table of the database, or in the
 * logs. Numbers are reported masked (BIN and last 4), so a failure does not leak them either.
 */
export async function cardNumbersOutsideVault(db: TestDatabase, logs: readonly string[]) {
  const { rows: tables } = await db.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND NOT (table_name = ANY($1))`,
    [[...VAULT_TABLES]],
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.pool.query<{ text: string | null }>(
      `SELECT string_agg(t::text, E'\n') AS text FROM "${name}" t`,
    );
    for (const number of findCardNumbers(rows[0]?.text ?? '')) {
      found.push(`table ${name}: ${maskCardNumber(number)}`);
    }
  }
  for (const number of findCardNumbers(logs.join('\n'))) {
    found.push(`logs: ${maskCardNumber(number)}`);
  }
  return { tables: tables.length, logLines: logs.length, found };
}

/** A merchant of its own, with a secret and a publishable test key (and a live secret key). */
export async function newMerchant(db: TestDatabase) {
  const merchant = await db.prisma.merchant.create({
    data: { id: newId('merchant'), name: 'Test merchant' },
  });
  const key = (kind: 'secret' | 'publishable', mode: 'test' | 'live') =>
    issueApiKey(db.prisma, {
      merchantId: merchant.id,
      kind,
      mode,
      platformSecret: TEST_SECRET_KEY,
    }).then((k) => k.secret);
  return {
    merchantId: merchant.id,
    secretKey: await key('secret', 'test'),
    publishableKey: await key('publishable', 'test'),
    liveSecretKey: await key('secret', 'live'),
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The procedure's result, or Kassa's error object. */
  body: T;
  error?: {
    type: string;
    code: string;
    message: string;
    param?: string;
    decline_code?: string;
    request_id: string;
  };
}

/**
 * Calls a procedure the way any HTTP client would, without the tRPC client: POST for mutations,
 * GET with ?input= for queries.
 */
export function client(base: string, apiKey?: string) {
  return async function call<T = Record<string, unknown>>(
    path: string,
    input: unknown,
    options: { query?: boolean; idempotencyKey?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const response = options.query
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        })
      : await fetch(`${base}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
    const json = (await response.json()) as {
      result?: { data: T };
      error?: { data: ApiResponse['error'] & object };
    };
    return {
      status: response.status,
      headers: response.headers,
      body: json.result?.data as T,
      error: json.error?.data,
    };
  };
}

const kassaBin = fileURLToPath(new URL('../../cli/bin/kassa.mjs', import.meta.url));

/**
 * The test file's database (useTestDatabase), and after the file's last test — once its API and
 * simulator are stopped — `kassa ledger verify` run on it, as an operator would: the hash chain,
 * every entry balancing and every projection must hold after everything the file did.
 */
export function useApiDatabase() {
  const db = useTestDatabase();
  afterAll(() => {
    const verify = spawnSync(process.execPath, [kassaBin, 'ledger', 'verify'], {
      env: { ...process.env, DATABASE_URL: db.current.url, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(verify.status, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    expect(verify.stdout).toContain('Ledger verified');
  }, 60_000);
  return db;
}

type Client = ReturnType<typeof client>;

/**
 * A test file's whole payments setup: its database (with `kassa ledger verify` after), the
 * acquirer simulator process, the API, one merchant, and callers with its secret key (`call`)
 * and publishable key (`browser`). `env` fills in before the first test.
 */
export function usePaymentsApi(
  options: { background?: boolean; checkoutUrl?: string; port?: number } = {},
) {
  const db = useApiDatabase();
  const env = {} as {
    app: FastifyInstance;
    base: string;
    logs: string[];
    acquirer: Awaited<ReturnType<typeof startAcquirer>>;
    merchant: Awaited<ReturnType<typeof newMerchant>>;
  };
  beforeAll(async () => {
    env.acquirer = await startAcquirer(db.current);
    Object.assign(env, await startApi(db.current, { url: env.acquirer.url }, options));
    env.merchant = await newMerchant(db.current);
  });
  afterAll(async () => {
    await env.app?.close();
    await env.acquirer?.stop();
  });
  const call: Client = (path, input, options) =>
    client(env.base, env.merchant.secretKey)(path, input, options);
  const browser: Client = (path, input, options) =>
    client(env.base, env.merchant.publishableKey)(path, input, options);
  return { db, env, call, browser };
}
