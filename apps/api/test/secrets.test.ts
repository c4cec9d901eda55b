import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  type CheckoutPage,
  type CheckoutSession,
  createPaymentIntentInput,
  ManualClock,
  type PaymentIntent,
} from '@kassa/contracts';
import { deriveKey, earlierKey, preHkdfKey } from '@kassa/contracts/keys';
import { derivedPublishableKey, hashApiKey, issueApiKey, query } from '@kassa/db';
import { clientSecretFor, keysOfRootSecret, requestHashOf } from '@kassa/payments';
import type { FastifyInstance } from 'fastify';
import { encode } from 'next-auth/jwt';
import { Secret, TOTP } from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import {
  client,
  newMerchant,
  startApi,
  TEST_SECRET_KEY,
  TEST_SESSION_SECRET,
  testCard,
  usePaymentsApi,
} from './support.ts';

// The platform's secrets against the real API and database: every purpose's key is derived from
// KASSA_SECRET_KEY with HKDF; rotating it with KASSA_SECRET_KEY_PREVIOUS keeps what the old root
// issued working; publishable keys are random, stored hashed, and the hosted page needs none.
const { db, env, call, browser } = usePaymentsApi();
const anonymous = () => client(env.base);
const OLD_ROOT = TEST_SECRET_KEY;
const NEW_ROOT = 'the-rotated-kassa-secret-key-for-these-tests-0123456789';

const started: FastifyInstance[] = [];
afterAll(async () => {
  for (const app of started) await app.close();
});

/** Another API on the same database, with other roots: as a replica after the rotation. */
async function apiWith(
  secretKey: string,
  previousSecretKey?: string,
  options: { acceptPreHkdfKeys?: boolean } = {},
) {
  const api = await startApi(
    db.current,
    { url: env.acquirer.url },
    { secretKey, ...(previousSecretKey && { previousSecretKey }), ...options },
  );
  started.push(api.app);
  return api;
}

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

async function newPayment() {
  const created = await call<PaymentIntent>('paymentIntents.create', {
    amount: 1_250,
    currency: 'eur',
  });
  expect(created.error).toBeUndefined();
  return created.body;
}

describe('keys derived from the root secret', () => {
  it('differ per purpose and from the root, and are the same for the same root', () => {
    const keys = keysOfRootSecret(OLD_ROOT);
    const root = Buffer.from(OLD_ROOT);
    expect(equal(keys.clientSecretKey, keys.requestHashKey)).toBe(false);
    expect(keys.clientSecretKey).toEqual(deriveKey(OLD_ROOT, 'client_secret'));
    expect(keys.requestHashKey).toEqual(deriveKey(OLD_ROOT, 'request_hash'));
    for (const key of [keys.clientSecretKey, keys.requestHashKey]) {
      expect(key).toHaveLength(32);
      expect(equal(key, root.subarray(0, 32))).toBe(false);
      // Not the ad-hoc derivations they replace either.
      for (const label of ['client-secret', 'request-hash', 'webhook-secret'])
        expect(equal(key, createHash('sha256').update(`${label}:${OLD_ROOT}`).digest())).toBe(
          false,
        );
    }
    // The webhook signer's key is the third purpose's.
    const webhookKey = deriveKey(OLD_ROOT, 'webhook_secret');
    expect(keys.webhookSigner.secretFor('salt')).toBe(
      `whsec_${createHmac('sha256', webhookKey).update('salt').digest('base64url')}`,
    );
    expect([webhookKey, keys.requestHashKey].some((k) => equal(k, keys.clientSecretKey))).toBe(
      false,
    );
    // Stable: a restart (or another replica) derives the very same keys.
    const again = keysOfRootSecret(OLD_ROOT);
    expect(again.clientSecretKey).toEqual(keys.clientSecretKey);
    expect(again.requestHashKey).toEqual(keys.requestHashKey);
    expect(again.webhookSigner.secretFor('salt')).toBe(keys.webhookSigner.secretFor('salt'));
    expect(keys.previousClientSecretKey).toBeUndefined();
  });
});

describe('rotating KASSA_SECRET_KEY', () => {
  it('an old client secret works during the grace period; new ones are issued under the new root', async () => {
    const payment = await newPayment();
    const oldSecret = payment.client_secret as string;
    expect(oldSecret).toBe(clientSecretFor(deriveKey(OLD_ROOT, 'client_secret'), payment.id));

    const rotating = await apiWith(NEW_ROOT, OLD_ROOT);
    const shopper = client(rotating.base, env.merchant.publishableKey);
    const read = (secret: string) =>
      shopper<PaymentIntent>(
        'checkout.paymentIntents.retrieve',
        { client_secret: secret },
        { query: true },
      );
    expect((await read(oldSecret)).body).toMatchObject({ id: payment.id });

    // Issued now: under the new root only.
    const retrieved = await client(rotating.base, env.merchant.secretKey)<PaymentIntent>(
      'paymentIntents.retrieve',
      { id: payment.id },
      { query: true },
    );
    const newSecret = retrieved.body.client_secret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect(newSecret).toBe(clientSecretFor(deriveKey(NEW_ROOT, 'client_secret'), payment.id));
    expect((await read(newSecret)).body).toMatchObject({ id: payment.id });

    // The grace period over (KASSA_SECRET_KEY_PREVIOUS unset): the old secret stops working.
    const rotated = await apiWith(NEW_ROOT);
    const withoutPrevious = client(rotated.base, env.merchant.publishableKey);
    const refused = await withoutPrevious(
      'checkout.paymentIntents.retrieve',
      { client_secret: oldSecret },
      { query: true },
    );
    expect(refused).toMatchObject({ status: 401, error: { code: 'client_secret_invalid' } });
    const accepted = await withoutPrevious<PaymentIntent>(
      'checkout.paymentIntents.retrieve',
      { client_secret: newSecret },
      { query: true },
    );
    expect(accepted.body).toMatchObject({ id: payment.id });
  });

  it('a retry of a request made before the rotation replays during the grace period', async () => {
    const input = { amount: 990, currency: 'eur', description: 'retried across a rotation' };
    const idempotencyKey = `rotation-${Date.now()}`;
    const first = await call<PaymentIntent>('paymentIntents.create', input, { idempotencyKey });
    expect(first.error).toBeUndefined();

    const rotating = await apiWith(NEW_ROOT, OLD_ROOT);
    const retry = await client(rotating.base, env.merchant.secretKey)<PaymentIntent>(
      'paymentIntents.create',
      input,
      { idempotencyKey },
    );
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);

    // Without the previous root the request hash no longer matches: refused, never run twice.
    const rotated = await apiWith(NEW_ROOT);
    const late = await client(rotated.base, env.merchant.secretKey)(
      'paymentIntents.create',
      input,
      {
        idempotencyKey,
      },
    );
    expect(late).toMatchObject({ status: 400, error: { code: 'idempotency_key_reused' } });
    const [count] = await query<{ n: number }>(
      db.current.pool,
      'SELECT count(*)::int AS n FROM payment_intents WHERE description = $1',
      [input.description],
    );
    expect(count?.n).toBe(1);
  });

  it('webhooks are signed under both roots during the grace period, shown under the new one', async () => {
    const created = await call<{ id: string; secret: string }>('webhookEndpoints.create', {
      url: 'https://shop.example/kassa-webhooks',
      enabled_events: ['*'],
    });
    expect(created.error).toBeUndefined();
    const [row] = await query<{ secret_salt: string }>(
      db.current.pool,
      'SELECT secret_salt FROM webhook_endpoints WHERE id = $1',
      [created.body.id],
    );
    const endpoint = {
      secretSalt: row?.secret_salt as string,
      previousSecretSalt: null,
      previousExpiresAt: null,
    };
    const rotating = keysOfRootSecret(NEW_ROOT, OLD_ROOT).webhookSigner;
    const rotated = keysOfRootSecret(NEW_ROOT).webhookSigner;
    expect(rotating.secretsOf(endpoint)).toEqual([
      rotated.secretFor(endpoint.secretSalt),
      created.body.secret,
    ]);
    expect(rotating.secretFor(endpoint.secretSalt)).not.toBe(created.body.secret);
    expect(rotated.secretsOf(endpoint)).toEqual([rotated.secretFor(endpoint.secretSalt)]);
  });
});

describe('rotating KASSA_SECRET_KEY: dashboard two-factor', () => {
  it('seals TOTP secrets again under the new root; old recovery codes work during the grace period', async () => {
    const clock = new ManualClock(Date.UTC(2030, 5, 1, 8, 0, 0));
    const on = async (secretKey: string, previousSecretKey?: string, background = false) => {
      const api = await startApi(
        db.current,
        {},
        { secretKey, ...(previousSecretKey && { previousSecretKey }), clock, background },
      );
      started.push(api.app);
      return client(api.base);
    };
    const original = await on(OLD_ROOT);
    const issued = await original<{ user: string; session: string }>('auth.signUp', {
      email: 'rotation@example.com',
      password: 'correct horse battery',
      name: 'Rota Tion',
      business_name: 'Rotation Shop',
    });
    const cookie = `next-auth.session-token=${await encode({
      token: { sub: issued.body.user, sid: issued.body.session },
      secret: TEST_SESSION_SECRET,
    })}`;
    const begun = await original<{ secret: string }>(
      'dashboard.twoFactor.begin',
      {},
      { headers: { cookie } },
    );
    const totp = new TOTP({ secret: Secret.fromBase32(begun.body.secret), digits: 6, period: 30 });
    const code = () => {
      clock.advance(30_000); // a code of a new step each time: each is used once
      return totp.generate({ timestamp: clock.now().getTime() });
    };
    const enabled = await original<{ recovery_codes: string[] }>(
      'dashboard.twoFactor.enable',
      { code: code() },
      { headers: { cookie } },
    );
    const [recovery] = enabled.body.recovery_codes;
    const sealed = async () =>
      (
        await db.current.pool.query('SELECT totp_secret FROM users WHERE id = $1', [
          issued.body.user,
        ])
      ).rows[0].totp_secret as Buffer;
    const underOld = await sealed();
    const signIn = (api: typeof original, second: string) =>
      api('auth.signIn', {
        email: 'rotation@example.com',
        password: 'correct horse battery',
        code: second,
      });

    // The switch: the new root, the old one previous. The API seals the secret again at start.
    const rotating = await on(NEW_ROOT, OLD_ROOT, true);
    for (;;) {
      if (!(await sealed()).equals(underOld)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await signIn(rotating, code())).status).toBe(200);
    // A recovery code made under the old root still signs in during the grace period.
    expect((await signIn(rotating, recovery as string)).status).toBe(200);

    // The grace period over: the secret, sealed again, still works; the old root is gone.
    const after = await on(NEW_ROOT);
    expect((await signIn(after, code())).status).toBe(200);
  });
});

describe('upgrading from keys derived without HKDF (KASSA_ACCEPT_PRE_HKDF_KEYS)', () => {
  // What a Kassa before HKDF issued under this same root: SHA-256("<label>:" + root) keys.
  const legacy = (purpose: 'client_secret' | 'request_hash' | 'webhook_secret') =>
    createHash('sha256')
      .update(`${purpose.replace('_', '-')}:${OLD_ROOT}`)
      .digest();

  it('the pre-HKDF keys are exactly the old derivation, and never one of the new keys', () => {
    for (const purpose of ['client_secret', 'request_hash', 'webhook_secret'] as const) {
      expect(preHkdfKey(OLD_ROOT, purpose)).toEqual(legacy(purpose));
      expect(equal(preHkdfKey(OLD_ROOT, purpose), deriveKey(OLD_ROOT, purpose))).toBe(false);
    }
    expect(() =>
      earlierKey(OLD_ROOT, 'client_secret', { previousRoot: NEW_ROOT, acceptPreHkdf: true }),
    ).toThrow(/cannot both be set/);
  });

  it('an old client secret works while upgrading, and is refused once the switch is off', async () => {
    const payment = await newPayment();
    const oldSecret = clientSecretFor(legacy('client_secret'), payment.id);
    const read = (base: string) =>
      client(base, env.merchant.publishableKey)<PaymentIntent>(
        'checkout.paymentIntents.retrieve',
        { client_secret: oldSecret },
        { query: true },
      );
    expect(await read(env.base)).toMatchObject({
      status: 401,
      error: { code: 'client_secret_invalid' },
    });
    const upgrading = await apiWith(OLD_ROOT, undefined, { acceptPreHkdfKeys: true });
    expect((await read(upgrading.base)).body).toMatchObject({ id: payment.id });
    // Issued while upgrading: the HKDF secret only.
    const retrieved = await client(upgrading.base, env.merchant.secretKey)<PaymentIntent>(
      'paymentIntents.retrieve',
      { id: payment.id },
      { query: true },
    );
    expect(retrieved.body.client_secret).toBe(
      clientSecretFor(deriveKey(OLD_ROOT, 'client_secret'), payment.id),
    );
  });

  it('a retry of a request the old version hashed replays while upgrading, never runs twice', async () => {
    const input = { amount: 770, currency: 'eur', description: 'retried across the upgrade' };
    const idempotencyKey = `upgrade-${Date.now()}`;
    const first = await call<PaymentIntent>('paymentIntents.create', input, { idempotencyKey });
    expect(first.error).toBeUndefined();
    // As the version before HKDF stored it: the same (parsed) request, hashed under its key.
    const [stored] = await query<{ request_hash: string }>(
      db.current.pool,
      'SELECT request_hash FROM api_idempotency_keys WHERE key = $1',
      [idempotencyKey],
    );
    expect(stored?.request_hash).toBe(
      requestHashOf(
        deriveKey(OLD_ROOT, 'request_hash'),
        'paymentIntents.create',
        createPaymentIntentInput.parse(input),
      ),
    );
    await db.current.pool.query(
      'UPDATE api_idempotency_keys SET request_hash = $2 WHERE key = $1',
      [
        idempotencyKey,
        requestHashOf(
          legacy('request_hash'),
          'paymentIntents.create',
          createPaymentIntentInput.parse(input),
        ),
      ],
    );
    const refused = await call('paymentIntents.create', input, { idempotencyKey });
    expect(refused).toMatchObject({ status: 400, error: { code: 'idempotency_key_reused' } });

    const upgrading = await apiWith(OLD_ROOT, undefined, { acceptPreHkdfKeys: true });
    const retry = await client(upgrading.base, env.merchant.secretKey)<PaymentIntent>(
      'paymentIntents.create',
      input,
      { idempotencyKey },
    );
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    const [count] = await query<{ n: number }>(
      db.current.pool,
      'SELECT count(*)::int AS n FROM payment_intents WHERE description = $1',
      [input.description],
    );
    expect(count?.n).toBe(1);
  });

  it('webhooks are signed under the old endpoint secret too while upgrading', () => {
    const endpoint = {
      secretSalt: 'an-endpoint-salt',
      previousSecretSalt: null,
      previousExpiresAt: null,
    };
    const oldSecret = `whsec_${createHmac('sha256', legacy('webhook_secret')).update(endpoint.secretSalt).digest('base64url')}`;
    const upgrading = keysOfRootSecret(OLD_ROOT, undefined, { acceptPreHkdf: true }).webhookSigner;
    const upgraded = keysOfRootSecret(OLD_ROOT).webhookSigner;
    expect(upgrading.secretsOf(endpoint)).toEqual([
      upgraded.secretFor(endpoint.secretSalt),
      oldSecret,
    ]);
    expect(upgrading.secretFor(endpoint.secretSalt)).not.toBe(oldSecret);
    expect(upgraded.secretsOf(endpoint)).not.toContain(oldSecret);
  });
});

describe('publishable keys', () => {
  it('are random: not derivable from the platform secret and the key id', async () => {
    const merchant = await newMerchant(db.current);
    const another = await issueApiKey(db.current.prisma, {
      merchantId: merchant.merchantId,
      kind: 'publishable',
      mode: 'test',
    });
    expect(another.secret).toMatch(/^pk_test_[0-9A-Za-z]{32}$/);
    expect(another.secret).not.toBe(merchant.publishableKey);
    const rows = await query<{ id: string; mode: 'test' | 'live'; hash: string }>(
      db.current.pool,
      `SELECT id, mode, hash FROM api_keys WHERE merchant_id = $1 AND kind = 'publishable'`,
      [merchant.merchantId],
    );
    expect(rows).toHaveLength(3); // test and live from newMerchant, and this one
    for (const row of rows) {
      const derived = derivedPublishableKey(TEST_SECRET_KEY, row.id, row.mode);
      expect(hashApiKey(derived)).not.toBe(row.hash);
      expect([merchant.publishableKey, merchant.livePublishableKey, another.secret]).not.toContain(
        derived,
      );
    }
  });

  it('only their hash is stored: the key itself is nowhere in the database', async () => {
    const merchant = await newMerchant(db.current);
    const keys = [merchant.publishableKey, merchant.livePublishableKey];
    const [stored] = await query<{ hash: string; prefix: string }>(
      db.current.pool,
      'SELECT hash, prefix FROM api_keys WHERE hash = $1',
      [hashApiKey(merchant.publishableKey)],
    );
    expect(stored?.hash).toBe(createHash('sha256').update(merchant.publishableKey).digest('hex'));
    expect(stored?.prefix).toBe(merchant.publishableKey.slice(0, 14));
    const tables = await query<{ table_name: string }>(
      db.current.pool,
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.table_name)).toContain('api_keys');
    for (const { table_name } of tables) {
      const [dump] = await query<{ text: string | null }>(
        db.current.pool,
        `SELECT string_agg(t::text, ' ') AS text FROM "${table_name}" t`,
      );
      for (const key of keys) expect(dump?.text ?? '', table_name).not.toContain(key.slice(8));
    }
  });

  it('authenticate the checkout procedures; a revoked one does not', async () => {
    const merchant = await newMerchant(db.current);
    const payment = await client(env.base, merchant.secretKey)<PaymentIntent>(
      'paymentIntents.create',
      { amount: 500, currency: 'eur' },
    );
    const read = () =>
      client(env.base, merchant.publishableKey)(
        'checkout.paymentIntents.retrieve',
        { client_secret: payment.body.client_secret },
        { query: true },
      );
    expect((await read()).body).toMatchObject({ id: payment.body.id });
    await db.current.pool.query('UPDATE api_keys SET revoked_at = now() WHERE hash = $1', [
      hashApiKey(merchant.publishableKey),
    ]);
    expect(await read()).toMatchObject({ status: 401, error: { code: 'api_key_invalid' } });
  });

  it('one issued the old way (derived) still authenticates, and the page does not show it', async () => {
    // What a database from before random keys holds: a derived key, stored as its hash.
    const merchant = await newMerchant(db.current);
    await db.current.pool.query(
      `UPDATE api_keys SET revoked_at = now() WHERE merchant_id = $1 AND kind = 'publishable'`,
      [merchant.merchantId],
    );
    const id = 'key_legacyDerivedKey00000000';
    const legacy = derivedPublishableKey(TEST_SECRET_KEY, id, 'test');
    await db.current.pool.query(
      `INSERT INTO api_keys (id, merchant_id, kind, mode, prefix, hash)
       VALUES ($1, $2, 'publishable', 'test', $3, $4)`,
      [id, merchant.merchantId, legacy.slice(0, 14), hashApiKey(legacy)],
    );
    const session = await client(env.base, merchant.secretKey)<CheckoutSession>(
      'checkoutSessions.create',
      {
        line_items: [{ name: 'Tea', unit_amount: 800 }],
        currency: 'eur',
        success_url: 'https://shop.example/thanks',
        cancel_url: 'https://shop.example/cart',
      },
    );
    const read = await client(env.base, legacy)(
      'checkout.paymentIntents.retrieve',
      { client_secret: session.body.client_secret },
      { query: true },
    );
    expect(read.body).toMatchObject({ id: session.body.payment_intent });
    const page = await anonymous()<CheckoutPage>(
      'checkout.sessions.retrieve',
      { id: session.body.id },
      { query: true },
    );
    expect(page.body).toMatchObject({ client_secret: expect.any(String) });
    expect(JSON.stringify(page.body)).not.toMatch(/pk_(test|live)_/);
  });
});

describe('the hosted page holds no key', () => {
  async function newSession() {
    const created = await call<CheckoutSession>('checkoutSessions.create', {
      line_items: [{ name: 'Espresso beans, 1 kg', unit_amount: 2_450 }],
      currency: 'eur',
      success_url: 'https://shop.example/thanks',
      cancel_url: 'https://shop.example/cart',
    });
    expect(created.error).toBeUndefined();
    return created.body;
  }

  it('reads its session and pays with the session client secret alone', async () => {
    const session = await newSession();
    const page = await anonymous()<CheckoutPage>(
      'checkout.sessions.retrieve',
      { id: session.id },
      { query: true },
    );
    expect(page.body).toMatchObject({ client_secret: session.client_secret });
    expect(JSON.stringify(page.body)).not.toMatch(/pk_(test|live)_/);
    const paid = await anonymous()<PaymentIntent>('checkout.paymentIntents.confirm', {
      client_secret: page.body.client_secret,
      payment_method_data: testCard(),
    });
    expect(paid.error).toBeUndefined();
    expect(paid.body).toMatchObject({ id: session.payment_intent, status: 'succeeded' });
    // The events say the session acted, as they would name the key.
    const [event] = await query<{ actor: string }>(
      db.current.pool,
      `SELECT metadata->>'actor' AS actor FROM ledger_events
        WHERE stream = $1 AND type = 'payment_intent.succeeded'`,
      [`payment_intent:${session.payment_intent}`],
    );
    expect(event?.actor).toBe(`checkout:${session.id}`);
  });

  it('without a key, only a genuine checkout session secret is accepted', async () => {
    const payment = await newPayment();
    const session = await newSession();
    const forged = `${session.id}_secret_${'A'.repeat(32)}`;
    for (const client_secret of [payment.client_secret, forged, undefined]) {
      const response = await anonymous()(
        'checkout.paymentIntents.retrieve',
        { client_secret },
        { query: true },
      );
      expect(response).toMatchObject({ status: 401, error: { code: 'api_key_missing' } });
    }
    // With a key, the key still has to be the session's merchant's.
    const other = await newMerchant(db.current);
    const theirs = await client(env.base, other.publishableKey)(
      'checkout.paymentIntents.retrieve',
      { client_secret: session.client_secret },
      { query: true },
    );
    expect(theirs.status).toBe(404);
    const mine = await browser<PaymentIntent>(
      'checkout.paymentIntents.retrieve',
      { client_secret: session.client_secret },
      { query: true },
    );
    expect(mine.body).toMatchObject({ id: session.payment_intent });
  });
});
