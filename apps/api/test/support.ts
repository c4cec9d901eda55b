import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type MembershipRole, SmtpMailer } from '@kassa/api';
import { type Clock, newId } from '@kassa/contracts';
import type { TestDatabase } from '@kassa/db/testing';
import {
  AcquirerClient,
  type AcquirerClientOptions,
  type CardTestingLimits,
  DiskFileStorage,
} from '@kassa/payments';
import {
  client,
  newMerchant,
  startAcquirer,
  TEST_ACQUIRER_KEY,
  TEST_SECRET_KEY,
  TEST_SESSION_SECRET,
  TEST_VAULT_FINGERPRINT_KEY,
  TEST_VAULT_KEYS,
  useApiDatabase,
} from '@kassa/testing';
import { parseVaultKeys, Vault } from '@kassa/vault';
import type { FastifyInstance } from 'fastify';
import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll } from 'vitest';
import { buildApiServer } from '../src/index.ts';

// The API in this test process (its services and logs in reach), beside what every workspace's
// tests share (@kassa/testing: the simulator and CLI as processes, merchants, the HTTP caller).
export * from '@kassa/testing';

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
    /** auth.* calls per minute per client address (API_AUTH_RATE_LIMIT); unlimited by default. */
    authPerMinute?: number;
    checkoutUrl?: string;
    port?: number;
    clock?: Clock;
    idempotencyWaitMs?: number;
    attemptLeaseMs?: number;
    /** KASSA_SECRET_KEY (TEST_SECRET_KEY by default) and KASSA_SECRET_KEY_PREVIOUS. */
    secretKey?: string;
    previousSecretKey?: string;
    acceptPreHkdfKeys?: boolean;
    trustProxy?: boolean;
    cardTesting?: CardTestingLimits;
    /** The live connector (a second simulator in tests); without it live payments are refused. */
    liveAcquirer?: Partial<AcquirerClientOptions> & { url: string };
    /** An SMTP server (startSmtpServer) the dashboard's emails go to; else they are logged. */
    smtpUrl?: string;
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
    // The breakers' waits run on the API's clock, so a test moves them instead of racing them.
    ...testServices({ clock: options.clock, ...acquirer }),
    // On a known port, browsers coming back from 3-D Secure reach this API.
    ...(options.port && { publicUrl: `http://127.0.0.1:${options.port}` }),
    logger: { level: 'trace', stream },
    background: options.background,
    rateLimit: options.rateLimit ?? 100_000,
    authPerMinute: options.authPerMinute ?? 100_000,
    checkoutUrl: options.checkoutUrl,
    clock: options.clock,
    idempotencyWaitMs: options.idempotencyWaitMs,
    attemptLeaseMs: options.attemptLeaseMs,
    ...(options.secretKey && { secretKey: options.secretKey }),
    previousSecretKey: options.previousSecretKey,
    acceptPreHkdfKeys: options.acceptPreHkdfKeys,
    trustProxy: options.trustProxy,
    cardTesting: options.cardTesting,
    dashboardUrl: 'http://127.0.0.1:3001',
    // Uploaded files (dispute evidence) on disk, in a folder of this test run's own.
    files: new DiskFileStorage(join(tmpdir(), `kassa-test-files-${process.pid}`)),
    ...(options.smtpUrl && {
      mailer: new SmtpMailer(options.smtpUrl, 'Kassa <no-reply@kassa.test>'),
    }),
    ...(options.liveAcquirer && {
      liveAcquirer: testServices({ clock: options.clock, ...options.liveAcquirer }).acquirer,
    }),
  });
  const base = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return { app, base, logs };
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

/**
 * A dashboard user with the given memberships, signed in: a next-auth session cookie made with
 * next-auth's own `encode`, as the dashboard's sign-in makes it.
 */
export async function dashboardUser(
  db: TestDatabase,
  email: string,
  memberships: Array<[merchantId: string, role: MembershipRole]>,
  /** When the session opens: the API's clock, when the test moves it. */
  now?: Date,
) {
  const user = await db.prisma.user.create({ data: { id: newId('user'), email } });
  for (const [merchantId, role] of memberships) {
    await db.prisma.membership.create({
      data: { id: newId('membership'), merchantId, userId: user.id, role },
    });
  }
  return { id: user.id, cookie: await sessionCookie(db, user.id, { ...(now && { now }) }) };
}

/**
 * A signed-in session of `userId`: a dashboard_sessions row (opened at `now`) and the next-auth
 * cookie that names it, made with next-auth's own `encode` as the dashboard's sign-in makes it.
 * `secret` and `maxAge` make forged and expired cookies.
 */
export async function sessionCookie(
  db: TestDatabase,
  userId: string,
  options: { secret?: string; maxAge?: number; now?: Date } = {},
) {
  const sid = newId('dashboardSession');
  const now = options.now ?? new Date();
  await db.pool.query(
    `INSERT INTO dashboard_sessions (id, user_id, created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $3, $3::timestamptz + interval '12 hours')`,
    [sid, userId, now],
  );
  const token = await encode({
    token: { sub: userId, sid },
    secret: options.secret ?? TEST_SESSION_SECRET,
    ...(options.maxAge !== undefined && { maxAge: options.maxAge }),
  });
  return `next-auth.session-token=${token}`;
}

/** Calls `dashboard.<path>` with a session cookie, for one merchant (Kassa-Merchant). */
export function dashboardCaller(base: string, cookie: string, merchantId: string) {
  const call = client(base);
  const headers = { cookie, 'kassa-merchant': merchantId };
  return <T = Record<string, unknown>>(
    path: string,
    input: unknown,
    options: { query?: boolean; idempotencyKey?: string } = {},
  ) => call<T>(`dashboard.${path}`, input, { ...options, headers });
}
