import { query } from '@kassa/db';
import { verifyLedger } from '@kassa/ledger';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  newMerchant,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// The acquirer's answer to a retry is not always the answer to the first try, and a call that
// waited its turn too long must not run past the lease on its attempt.

const db = useApiDatabase();
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  merchant = await newMerchant(db.current);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await acquirer.stop();
});

async function api(...args: Parameters<typeof startApi> extends [unknown, ...infer R] ? R : never) {
  const started = await startApi(db.current, ...args);
  apps.push(started.app);
  return {
    call: client(started.base, merchant.secretKey),
    browser: client(started.base, merchant.publishableKey),
  };
}

const card = (number: string) => testCard(number);

/** Waits for a condition that must come true (20 s at most: a hang, not a measure). */
async function until(done: () => Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const atAcquirer = (reference: string) =>
  query<{ status: string; captured_amount: bigint }>(
    db.current.pool,
    'SELECT status, captured_amount FROM acquirer_sim.authorizations WHERE reference = $1',
    [reference],
  );

describe('a refusal of a retried call', () => {
  it('is not taken as the answer when the first try went through: the payment is authorized once', async () => {
    const { call, browser } = await api({ url: acquirer.url, timeoutMs: 1_000, retries: 1 });
    const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
      amount: 4_200,
      currency: 'eur',
    });
    // The first try is processed and its answer lost; the retry (same key) is refused (409).
    await acquirer.control({ lost_response_rate: 1, refuse_replays: true });
    const confirmed = await browser<{ status: string; amount_received: number }>(
      'checkout.paymentIntents.confirm',
      { client_secret: created.body.client_secret, payment_method_data: card('4242424242424242') },
    );
    await acquirer.control({ lost_response_rate: 0, refuse_replays: false });

    expect(confirmed.status, JSON.stringify(confirmed.error)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'succeeded' });
    expect(await atAcquirer(created.body.id)).toEqual([
      { status: 'captured', captured_amount: 4_200n },
    ]);
    expect((await verifyLedger(db.current.pool)).problems).toEqual([]);
  });

  it('a capture whose answer was lost and whose retry was refused is captured once', async () => {
    const { call, browser } = await api({ url: acquirer.url, timeoutMs: 1_000, retries: 1 });
    const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
      amount: 1_000,
      currency: 'eur',
      capture_method: 'manual',
    });
    const confirmed = await browser('checkout.paymentIntents.confirm', {
      client_secret: created.body.client_secret,
      payment_method_data: card('4242424242424242'),
    });
    expect(confirmed.body).toMatchObject({ status: 'requires_capture' });

    await acquirer.control({ lost_response_rate: 1, refuse_replays: true });
    const captured = await call('paymentIntents.capture', { id: created.body.id });
    await acquirer.control({ lost_response_rate: 0, refuse_replays: false });
    expect(captured.status, JSON.stringify(captured.error)).toBe(200);
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_received: 1_000 });
    expect(await atAcquirer(created.body.id)).toEqual([
      { status: 'captured', captured_amount: 1_000n },
    ]);
    expect((await verifyLedger(db.current.pool)).problems).toEqual([]);
  });
});

describe('time queued behind the bulkhead', () => {
  it('counts toward the lease: a call that could no longer finish within it is not sent', async () => {
    // One call at a time, each at most 30 s; the attempt is held for 30.2 s in all, so a call
    // that waited more than 200 ms for its turn could outlast its lease.
    const { call, browser } = await api(
      { url: acquirer.url, timeoutMs: 30_000, retries: 0, maxConcurrent: 1 },
      { attemptLeaseMs: 30_200 },
    );
    const payment = async () =>
      (
        await call<{ id: string; client_secret: string }>('paymentIntents.create', {
          amount: 700,
          currency: 'eur',
        })
      ).body;
    const holding = await payment();
    const queued = await payment();

    // The simulator holds the first confirmation, which keeps the only slot...
    await acquirer.control({ hold: true });
    const first = browser('checkout.paymentIntents.confirm', {
      client_secret: holding.client_secret,
      payment_method_data: card('4242424242424242'),
    });
    await until(async () => (await acquirer.held()) === 1);
    // ...so the second waits behind it, its lease running from before its attempt was written.
    const second = browser('checkout.paymentIntents.confirm', {
      client_secret: queued.client_secret,
      payment_method_data: card('4242424242424242'),
    });
    await until(
      async () =>
        (
          await query(
            db.current.pool,
            'SELECT id FROM payment_attempts WHERE payment_intent_id = $1',
            [queued.id],
          )
        ).length === 1,
    );
    // At least 200 ms of its lease are gone (a slower machine only spends more) before the slot
    // frees: it leaves the queue with too little of its lease left and is not sent.
    await new Promise((resolve) => setTimeout(resolve, 250));
    await acquirer.control({ hold: false });
    expect(await first).toMatchObject({ status: 200, body: { status: 'succeeded' } });

    expect(await second).toMatchObject({ status: 503, error: { code: 'acquirer_unavailable' } });
    expect(await atAcquirer(queued.id)).toEqual([]);
    const attempts = await query<{ status: string }>(
      db.current.pool,
      'SELECT status FROM payment_attempts WHERE payment_intent_id = $1',
      [queued.id],
    );
    expect(attempts).toEqual([{ status: 'abandoned' }]);
    const retrieved = await call<{ status: string }>(
      'paymentIntents.retrieve',
      { id: queued.id },
      { query: true },
    );
    expect(retrieved.body.status).toBe('requires_payment_method');
  });
});
