import { startApiProcess, useApiProcess } from '@kassa/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kassa, KassaRateLimitError } from '../src/index.ts';
import { startFaultProxy } from './fault-proxy.ts';

// Lost answers between the SDK and the API: the API did the work, the SDK never heard. The SDK
// retries with the same Idempotency-Key, the API replays, and nothing happens twice.
const { db, env, browser } = useApiProcess();
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;

beforeAll(async () => {
  proxy = await startFaultProxy(env.base);
});
afterAll(async () => {
  await proxy.close();
});

const count = async (sql: string, params: unknown[]) =>
  Number((await db.current.pool.query<{ n: string }>(sql, params)).rows[0]?.n);

describe('a response lost after the API acted', () => {
  it('create: retried with the same key, one payment exists', async () => {
    const kassa = new Kassa(env.merchant.secretKey, { baseUrl: proxy.url });
    proxy.state.dropNext = 1;
    const created = await kassa.paymentIntents.create({
      amount: 1_234,
      currency: 'eur',
      metadata: { marker: 'lost-create' },
    });
    expect(proxy.state.dropped).toBe(1);
    expect(
      await count(`SELECT count(*) AS n FROM payment_intents WHERE metadata->>'marker' = $1`, [
        'lost-create',
      ]),
    ).toBe(1);
    expect(created.metadata).toEqual({ marker: 'lost-create' });
  });

  it('confirm: the card is charged once, at the acquirer and in the ledger', async () => {
    const direct = new Kassa(env.merchant.secretKey, { baseUrl: env.base });
    const created = await direct.paymentIntents.create({ amount: 4_321, currency: 'eur' });
    const pm = await browser<{ id: string }>('checkout.paymentMethods.create', {
      client_secret: created.client_secret,
      type: 'card',
      card: {
        number: '4242424242424242',
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 5,
      },
    });

    const kassa = new Kassa(env.merchant.secretKey, { baseUrl: proxy.url });
    proxy.state.dropNext = 2; // the first try and the first retry both lose their answer
    const confirmed = await kassa.paymentIntents.confirm(created.id, {
      payment_method: pm.body.id,
    });
    expect(proxy.state.dropped).toBeGreaterThanOrEqual(3);
    expect(confirmed.status).toBe('succeeded');

    expect(
      await count('SELECT count(*) AS n FROM acquirer_sim.authorizations WHERE reference = $1', [
        created.id,
      ]),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM ledger_events WHERE stream = $1 AND type = 'payment_intent.succeeded'`,
        [`payment_intent:${created.id}`],
      ),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM ledger_entries e JOIN ledger_events v ON v.seq = e.event_seq
          WHERE e.code = 'sale' AND v.data->>'reference' = $1`,
        [created.id],
      ),
    ).toBe(1);
  });
});

describe('429 rate_limit_error', () => {
  it('waits as long as Retry-After says, then succeeds; without retries it throws with retryAfter', async () => {
    const limited = await startApiProcess(db.current, { API_RATE_LIMIT: '4' });
    try {
      const patient = new Kassa(env.merchant.secretKey, {
        baseUrl: limited.base,
        maxNetworkRetries: 4,
      });
      const started = Date.now();
      const balances = await Promise.all(
        Array.from({ length: 10 }, () => patient.balance.retrieve()),
      );
      expect(balances).toHaveLength(10);
      // 4 per second: the last ones waited for at least one Retry-After (1 s).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);

      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const impatient = new Kassa(env.merchant.secretKey, {
        baseUrl: limited.base,
        maxNetworkRetries: 0,
      });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () => impatient.balance.retrieve()),
      );
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(refused.length).toBeGreaterThanOrEqual(4);
      expect(refused[0]).toBeInstanceOf(KassaRateLimitError);
      expect(refused[0]).toMatchObject({ statusCode: 429, code: 'rate_limit' });
      expect(refused[0].retryAfter).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.stop();
    }
  });
});
