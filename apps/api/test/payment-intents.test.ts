import { API_VERSIONS, CURRENT_API_VERSION } from '@kassa/contracts';
import { query } from '@kassa/db';
import { readStream } from '@kassa/ledger';
import { pruneIdempotencyKeys } from '@kassa/payments';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, newMerchant, startApi, useApiDatabase } from './support.ts';

const db = useApiDatabase();
let app: FastifyInstance;
let base: string;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  ({ app, base } = await startApi(db.current));
  merchant = await newMerchant(db.current);
  call = client(base, merchant.secretKey);
});

afterAll(async () => {
  await app.close();
});

const countIntents = async () =>
  Number(
    (
      await query<{ n: bigint }>(
        db.current.pool,
        'SELECT count(*)::bigint AS n FROM payment_intents',
      )
    )[0]?.n,
  );

describe('authentication', () => {
  it('refuses missing, unknown and revoked keys alike, and publishable keys with 403', async () => {
    const anonymous = await client(base)('paymentIntents.list', {}, { query: true });
    expect(anonymous.status).toBe(401);
    expect(anonymous.error).toMatchObject({
      type: 'authentication_error',
      code: 'api_key_missing',
    });

    const bogus = await client(base, `sk_test_${'x'.repeat(32)}`)(
      'paymentIntents.list',
      {},
      { query: true },
    );
    expect(bogus.status).toBe(401);
    expect(bogus.error?.code).toBe('api_key_invalid');

    const other = await newMerchant(db.current);
    await db.current.pool.query('UPDATE api_keys SET revoked_at = now() WHERE merchant_id = $1', [
      other.merchantId,
    ]);
    const revoked = await client(base, other.secretKey)('paymentIntents.list', {}, { query: true });
    expect(revoked).toMatchObject({
      status: 401,
      error: { code: 'api_key_invalid', message: bogus.error?.message },
    });

    const publishable = await client(base, merchant.publishableKey)(
      'paymentIntents.list',
      {},
      { query: true },
    );
    expect(publishable.status).toBe(403);
    expect(publishable.error?.type).toBe('permission_error');
  });
});

describe('Kassa-Version', () => {
  it('answers with the version it used; an unknown one is a 400 naming the header, acting on nothing', async () => {
    const current = await call('paymentIntents.list', {}, { query: true });
    expect(current.status).toBe(200);
    expect(current.headers.get('kassa-version')).toBe(CURRENT_API_VERSION);
    const pinned = await call(
      'paymentIntents.list',
      {},
      {
        query: true,
        headers: { 'kassa-version': API_VERSIONS[0] },
      },
    );
    expect(pinned.headers.get('kassa-version')).toBe(API_VERSIONS[0]);

    const before = await query(db.current.pool, 'SELECT id FROM payment_intents');
    for (const version of ['1999-01-01', '2026-12-01x', 'latest', '<script>']) {
      const refused = await call(
        'paymentIntents.create',
        { amount: 100, currency: 'usd' },
        { headers: { 'kassa-version': version } },
      );
      expect(refused.status).toBe(400);
      expect(refused.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'api_version_invalid',
        param: 'Kassa-Version',
      });
      expect(refused.error?.message).not.toContain('<script>');
    }
    expect(await query(db.current.pool, 'SELECT id FROM payment_intents')).toEqual(before);
  });
});

describe('paymentIntents', () => {
  it('create returns the payment intent and records payment_intent.created in the ledger', async () => {
    const created = await call('paymentIntents.create', {
      amount: 2000,
      currency: 'USD',
      capture_method: 'manual',
      metadata: { order_id: '6735' },
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('request-id')).toMatch(/^req_/);
    expect(created.body).toMatchObject({
      object: 'payment_intent',
      amount: 2000,
      amount_capturable: 0,
      amount_received: 0,
      currency: 'usd',
      status: 'requires_payment_method',
      capture_method: 'manual',
      payment_method: null,
      livemode: false,
      metadata: { order_id: '6735' },
    });
    const pi = created.body as { id: string; client_secret: string; created: number };
    expect(pi.id).toMatch(/^pi_[0-9A-Za-z]{24}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_[A-Za-z0-9_-]{32}$`));
    expect(Math.abs(pi.created - Date.now() / 1000)).toBeLessThan(60);

    const events = await readStream(db.current.pool, `payment_intent:${pi.id}`);
    expect(events.map((e) => e.type)).toEqual(['payment_intent.created']);
    expect(events[0]?.merchantId).toBe(merchant.merchantId);
    expect(JSON.stringify(events[0]?.data)).not.toContain('secret');
  });

  it('rejects bad input with a 400 that names the parameter, and writes nothing', async () => {
    const before = await countIntents();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amount: 0, currency: 'usd' }, 'amount'],
      [{ amount: -5, currency: 'usd' }, 'amount'],
      [{ amount: 10.5, currency: 'usd' }, 'amount'],
      [{ amount: 100_000_000, currency: 'usd' }, 'amount'],
      [{ amount: '1000', currency: 'usd' }, 'amount'],
      [{ amount: 1000, currency: 'xyz' }, 'currency'],
      [{ amount: 1000 }, 'currency'],
      [{ amount: 1000, currency: 'usd', capture_method: 'later' }, 'capture_method'],
      [
        { amount: 1000, currency: 'usd', metadata: { ['k'.repeat(41)]: 'v' } },
        `metadata.${'k'.repeat(41)}`,
      ],
      [{ amount: 1000, currency: 'usd', metadata: { note: 'v'.repeat(501) } }, 'metadata.note'],
      [
        {
          amount: 1000,
          currency: 'usd',
          metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
        },
        'metadata',
      ],
      [{ amount: 1000, currency: 'usd', surprise: true }, ''],
      [{ amount: 1000, currency: 'usd', payment_method: 'card_4242' }, 'payment_method'],
    ];
    for (const [input, param] of cases) {
      const response = await call('paymentIntents.create', input);
      expect(response.status, JSON.stringify(input)).toBe(400);
      expect(response.error?.type).toBe('invalid_request_error');
      if (param) expect(response.error?.param, JSON.stringify(input)).toBe(param);
      expect(response.error?.request_id).toMatch(/^req_/);
    }
    expect(await countIntents()).toBe(before);
  });

  it("another merchant's payment is a plain 404, as is one of the other mode", async () => {
    const created = await call('paymentIntents.create', { amount: 500, currency: 'eur' });
    const id = (created.body as { id: string }).id;
    const stranger = await newMerchant(db.current);

    for (const key of [stranger.secretKey, merchant.liveSecretKey]) {
      const seen = await client(base, key)('paymentIntents.retrieve', { id }, { query: true });
      expect(seen.status).toBe(404);
      expect(seen.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
      });
      const canceled = await client(base, key)('paymentIntents.cancel', { id });
      expect(canceled.status).toBe(404);
    }
    const malformed = await call('paymentIntents.retrieve', { id: 'pi_nope' }, { query: true });
    expect(malformed).toMatchObject({ status: 400, error: { param: 'id' } });
  });

  it('update changes amount and merges metadata before confirmation, recording what changed', async () => {
    const { body } = await call('paymentIntents.create', {
      amount: 1000,
      currency: 'jpy',
      metadata: { keep: 'a', drop: 'b' },
    });
    const id = (body as { id: string }).id;
    const updated = await call('paymentIntents.update', {
      id,
      amount: 1500,
      metadata: { drop: '', add: 'c' },
    });
    expect(updated.body).toMatchObject({
      amount: 1500,
      currency: 'jpy',
      metadata: { keep: 'a', add: 'c' },
    });

    const [, update] = await readStream(db.current.pool, `payment_intent:${id}`);
    expect(update?.type).toBe('payment_intent.updated');
    expect(update?.data.previous_attributes).toEqual({
      amount: 1000,
      metadata: { keep: 'a', drop: 'b' },
    });
  });

  it('cancel ends the payment; canceling or updating it afterwards is an unexpected state', async () => {
    const { body } = await call('paymentIntents.create', { amount: 700, currency: 'gbp' });
    const id = (body as { id: string }).id;
    const canceled = await call('paymentIntents.cancel', {
      id,
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
    });
    expect((canceled.body as { canceled_at: number }).canceled_at).toBeGreaterThan(0);

    for (const [path, input] of [
      ['paymentIntents.cancel', { id }],
      ['paymentIntents.update', { id, amount: 800 }],
    ] as const) {
      const again = await call(path, input);
      expect(again.status).toBe(400);
      expect(again.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
      });
    }
  });

  it('list pages newest first with cursors, filters, and refuses bad limits', async () => {
    const shop = await newMerchant(db.current);
    const shopCall = client(base, shop.secretKey);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push(
        (
          (await shopCall('paymentIntents.create', { amount: 100 + i, currency: 'usd' })).body as {
            id: string;
          }
        ).id,
      );
    }
    await shopCall('paymentIntents.cancel', { id: ids[3] });

    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await shopCall(
        'paymentIntents.list',
        { limit: 10, ...(cursor && { starting_after: cursor }) },
        { query: true },
      );
      const list = page.body as { data: Array<{ id: string }>; has_more: boolean };
      seen.push(...list.data.map((p) => p.id));
      if (!list.has_more) break;
      cursor = list.data.at(-1)?.id;
    }
    expect(seen).toEqual([...ids].reverse());

    const back = await shopCall(
      'paymentIntents.list',
      { limit: 5, ending_before: ids[10] },
      { query: true },
    );
    expect((back.body as { data: Array<{ id: string }> }).data.map((p) => p.id)).toEqual(
      ids.slice(11, 16).reverse(),
    );

    const canceled = await shopCall('paymentIntents.list', { status: 'canceled' }, { query: true });
    expect((canceled.body as { data: Array<{ id: string }> }).data.map((p) => p.id)).toEqual([
      ids[3],
    ]);

    const future = await shopCall(
      'paymentIntents.list',
      { created: { gt: Math.floor(Date.now() / 1000) + 3600 } },
      { query: true },
    );
    expect((future.body as { data: unknown[] }).data).toEqual([]);

    for (const limit of [0, 101]) {
      const bad = await shopCall('paymentIntents.list', { limit }, { query: true });
      expect(bad).toMatchObject({ status: 400, error: { param: 'limit' } });
    }
    // Milliseconds for seconds, or a time no database keeps: a 400 naming the filter, never a 500.
    for (const created of [{ gt: 1e13 }, { lte: 253_402_300_800 }, { gte: -1 }]) {
      const bad = await shopCall('paymentIntents.list', { created }, { query: true });
      const [filter] = Object.keys(created);
      expect(bad).toMatchObject({ status: 400, error: { param: `created.${filter}` } });
    }
    // Only this merchant's payments, never another's.
    const mine = await call('paymentIntents.list', { limit: 100 }, { query: true });
    expect(
      (mine.body as { data: Array<{ id: string }> }).data.some((p) => ids.includes(p.id)),
    ).toBe(false);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response unchanged and creates nothing more', async () => {
    const first = await call(
      'paymentIntents.create',
      { amount: 4200, currency: 'usd' },
      { idempotencyKey: 'order-4200' },
    );
    const again = await call(
      'paymentIntents.create',
      { amount: 4200, currency: 'usd' },
      { idempotencyKey: 'order-4200' },
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const different = await call(
      'paymentIntents.create',
      { amount: 4300, currency: 'usd' },
      { idempotencyKey: 'order-4200' },
    );
    expect(different.status).toBe(400);
    expect(different.error).toMatchObject({
      type: 'idempotency_error',
      code: 'idempotency_key_reused',
    });

    // Keys belong to one merchant: another merchant's identical key is its own.
    const other = await newMerchant(db.current);
    const theirs = await client(base, other.secretKey)(
      'paymentIntents.create',
      { amount: 4200, currency: 'usd' },
      { idempotencyKey: 'order-4200' },
    );
    expect((theirs.body as { id: string }).id).not.toBe((first.body as { id: string }).id);
  });

  it('50 identical concurrent requests: one payment, one ledger event, identical responses', async () => {
    const before = await countIntents();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(
          'paymentIntents.create',
          { amount: 9900, currency: 'eur', metadata: { cart: 'c-50' } },
          { idempotencyKey: 'cart-50' },
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await countIntents()).toBe(before + 1);
    const id = (responses[0]?.body as { id?: string } | undefined)?.id;
    expect(await readStream(db.current.pool, `payment_intent:${id}`)).toHaveLength(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(
      49,
    );
  });

  it('refuses keys that are too long, and prunes keys past their retention', async () => {
    const long = await call(
      'paymentIntents.create',
      { amount: 100, currency: 'usd' },
      { idempotencyKey: 'k'.repeat(256) },
    );
    expect(long).toMatchObject({ status: 400, error: { param: 'Idempotency-Key' } });

    await call(
      'paymentIntents.create',
      { amount: 100, currency: 'usd' },
      { idempotencyKey: 'old-key' },
    );
    await db.current.pool.query(
      `UPDATE api_idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'`,
    );
    expect(await pruneIdempotencyKeys(db.current.pool)).toBeGreaterThanOrEqual(1);
    const [left] = await query(
      db.current.pool,
      `SELECT count(*)::int AS n FROM api_idempotency_keys WHERE key = 'old-key'`,
    );
    expect(left?.n).toBe(0);
  });
});
