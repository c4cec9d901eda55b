import { createServer } from 'node:http';
import { query } from '@kassa/db';
import { verifyLedger } from '@kassa/ledger';
import { resumeUnresolvedAttempts } from '@kassa/payments';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, newMerchant, startAcquirer, startApi, useApiDatabase } from './support.ts';

// An acquirer answer that arrives after the API stopped waiting, for every money-moving call:
// a retry with the same Idempotency-Key, at once or after the recovery sweep, moves money once.

const db = useApiDatabase();
const LATE_MS = 1_500; // the simulator's answer time, past the API's 1 s timeout
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
let app: FastifyInstance;
let call: ReturnType<typeof client>;
let browser: ReturnType<typeof client>;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  merchant = await newMerchant(db.current);
  const started = await startApi(db.current, { url: acquirer.url, timeoutMs: 1_000, retries: 0 });
  app = started.app;
  call = client(started.base, merchant.secretKey);
  browser = client(started.base, merchant.publishableKey);
});

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Refund {
  id: string;
  status: string;
  amount: number;
}

async function paidPayment(amount: number) {
  const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
    amount,
    currency: 'eur',
  });
  const confirmed = await browser<{ status: string }>('checkout.paymentIntents.confirm', {
    client_secret: created.body.client_secret,
    payment_method_data: {
      type: 'card',
      card: {
        number: '4242424242424242',
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 5,
        cvc: '123',
      },
    },
  });
  expect(confirmed.body).toMatchObject({ status: 'succeeded' });
  return created.body.id;
}

/** A refund whose acquirer answer comes too late: the caller gets 503 acquirer_timeout. */
async function refundAnsweredLate(paymentIntent: string, key: string) {
  await acquirer.control({ latency_ms: [LATE_MS, LATE_MS] });
  const sent = Date.now();
  const late = await call(
    'refunds.create',
    { payment_intent: paymentIntent },
    { idempotencyKey: key },
  );
  await acquirer.control({ latency_ms: [0, 0] });
  expect(late).toMatchObject({ status: 503, error: { code: 'acquirer_timeout' } });
  // The simulator is done with the late request by then, whatever it did with it.
  return () => sleep(Math.max(0, sent + 2 * LATE_MS - Date.now()));
}

/** The refund as each party recorded it: the acquirer, Kassa's read model, the ledger. */
async function refundsEverywhere(paymentIntent: string) {
  const atAcquirer = await query<{ amount: bigint }>(
    db.current.pool,
    `SELECT o.amount FROM acquirer_sim.operations o
       JOIN acquirer_sim.authorizations a ON a.id = o.authorization_id
      WHERE a.reference = $1 AND o.type = 'refund'`,
    [paymentIntent],
  );
  const inKassa = await query<{ id: string; status: string }>(
    db.current.pool,
    'SELECT id, status FROM refunds WHERE payment_intent_id = $1',
    [paymentIntent],
  );
  const inLedger = await query<{ n: bigint }>(
    db.current.pool,
    `SELECT count(*)::bigint AS n FROM ledger_events
      WHERE type = 'ledger.entry_posted' AND data->>'code' = 'refund'
        AND data->>'reference' = ANY($1)`,
    [inKassa.map((r) => r.id)],
  );
  const [payment] = await query<{ amount_refunded: bigint }>(
    db.current.pool,
    'SELECT amount_refunded FROM payment_intents WHERE id = $1',
    [paymentIntent],
  );
  return {
    acquirer: atAcquirer.map((r) => Number(r.amount)),
    kassa: inKassa.map((r) => r.status),
    ledger: Number(inLedger[0]?.n),
    amountRefunded: Number(payment?.amount_refunded),
  };
}

describe('a refund whose answer is late', () => {
  it('retried with the same key at once and again later: one refund everywhere', async () => {
    const payment = await paidPayment(2_000);
    const key = `refund-${payment}`;
    const settled = await refundAnsweredLate(payment, key);

    const retried = await call<Refund>(
      'refunds.create',
      { payment_intent: payment },
      { idempotencyKey: key },
    );
    expect(retried).toMatchObject({ status: 200, body: { status: 'succeeded', amount: 2_000 } });
    await settled();
    const later = await call<Refund>(
      'refunds.create',
      { payment_intent: payment },
      { idempotencyKey: key },
    );
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(later.body).toEqual(retried.body);

    // And the sweep finds nothing left to do.
    expect(await resumeUnresolvedAttempts(app.kassaServices, app.log)).toBe(0);
    expect(await refundsEverywhere(payment)).toEqual({
      acquirer: [2_000],
      kassa: ['succeeded'],
      ledger: 1,
      amountRefunded: 2_000,
    });
    expect((await verifyLedger(db.current.pool)).ok).toBe(true);
  });

  it('finished by the recovery sweep, then retried: the retry answers the same refund', async () => {
    const payment = await paidPayment(3_000);
    const key = `refund-${payment}`;
    const settled = await refundAnsweredLate(payment, key);
    await settled();
    expect(await resumeUnresolvedAttempts(app.kassaServices, app.log)).toBe(1);
    const [swept] = await query<{ id: string }>(
      db.current.pool,
      'SELECT id FROM refunds WHERE payment_intent_id = $1',
      [payment],
    );

    const retried = await call<Refund>(
      'refunds.create',
      { payment_intent: payment },
      { idempotencyKey: key },
    );
    expect(retried).toMatchObject({ status: 200, body: { id: swept?.id, status: 'succeeded' } });
    expect(await refundsEverywhere(payment)).toEqual({
      acquirer: [3_000],
      kassa: ['succeeded'],
      ledger: 1,
      amountRefunded: 3_000,
    });
  });

  it('a partial refund retried while a second, other-keyed refund goes through: each once', async () => {
    const payment = await paidPayment(5_000);
    const settled = await refundAnsweredLate(payment, `partial-a-${payment}`);
    await call(
      'refunds.create',
      { payment_intent: payment, amount: 1_000 },
      { idempotencyKey: `partial-b-${payment}` },
    );
    await settled();
    const retried = await call<Refund>(
      'refunds.create',
      { payment_intent: payment },
      { idempotencyKey: `partial-a-${payment}` },
    );
    // The first refund was for everything left then (5 000): resumed, it is refused by nothing
    // Kassa reserved twice — the reservation was taken once, when it was first asked.
    expect(retried.status).toBe(200);
    const everywhere = await refundsEverywhere(payment);
    expect(everywhere.kassa.filter((s) => s === 'succeeded').length).toBe(
      everywhere.acquirer.length,
    );
    expect(everywhere.amountRefunded).toBe(everywhere.acquirer.reduce((a, b) => a + b, 0));
    expect(everywhere.amountRefunded).toBeLessThanOrEqual(5_000);
  });
});

describe('a confirmation or capture whose answer was lost, finished by the sweep', () => {
  it('answers the retry with the payment as the sweep left it, authorized and captured once', async () => {
    const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
      amount: 4_200,
      currency: 'eur',
      capture_method: 'manual',
    });
    const id = created.body.id;
    const confirm = () =>
      browser<{ status: string }>(
        'checkout.paymentIntents.confirm',
        {
          client_secret: created.body.client_secret,
          payment_method_data: {
            type: 'card',
            card: {
              number: '4242424242424242',
              exp_month: 12,
              exp_year: new Date().getUTCFullYear() + 5,
            },
          },
        },
        { idempotencyKey: `confirm-${id}` },
      );
    await acquirer.control({ lost_response_rate: 1 });
    expect((await confirm()).error).toMatchObject({ code: 'acquirer_timeout' });
    await acquirer.control({ lost_response_rate: 0 });
    expect(await resumeUnresolvedAttempts(app.kassaServices, app.log)).toBe(1);
    expect(await confirm()).toMatchObject({ status: 200, body: { status: 'requires_capture' } });

    const capture = () =>
      call<{ status: string }>(
        'paymentIntents.capture',
        { id },
        { idempotencyKey: `capture-${id}` },
      );
    await acquirer.control({ lost_response_rate: 1 });
    expect((await capture()).error).toMatchObject({ code: 'acquirer_timeout' });
    await acquirer.control({ lost_response_rate: 0 });
    expect(await resumeUnresolvedAttempts(app.kassaServices, app.log)).toBe(1);
    expect(await capture()).toMatchObject({ status: 200, body: { status: 'succeeded' } });

    const [atAcquirer] = await query<{ status: string; captured_amount: bigint }>(
      db.current.pool,
      'SELECT status, captured_amount FROM acquirer_sim.authorizations WHERE reference = $1',
      [id],
    );
    expect(atAcquirer).toEqual({ status: 'captured', captured_amount: 4_200n });
    const attempts = await query<{ kind: string; status: string }>(
      db.current.pool,
      'SELECT kind, status FROM payment_attempts WHERE payment_intent_id = $1 ORDER BY created_at',
      [id],
    );
    expect(attempts).toEqual([
      { kind: 'authorize', status: 'succeeded' },
      { kind: 'capture', status: 'succeeded' },
    ]);
  });
});

describe('an Idempotency-Key whose row stays locked past the wait', () => {
  it('answers 409 idempotency_key_in_use, not 500', async () => {
    const impatient = await startApi(db.current, { url: acquirer.url }, { idempotencyWaitMs: 300 });
    const holder = await db.current.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO api_idempotency_keys (merchant_id, livemode, key, request_hash, path, status, response)
         VALUES ($1, false, 'held-key', 'x', 'paymentIntents.create', 0, 'null')`,
        [merchant.merchantId],
      );
      const answer = await client(impatient.base, merchant.secretKey)(
        'paymentIntents.create',
        { amount: 100, currency: 'eur' },
        { idempotencyKey: 'held-key' },
      );
      expect(answer).toMatchObject({ status: 409, error: { code: 'idempotency_key_in_use' } });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
      await impatient.app.close();
    }
  });
});

describe('an acquirer answer Kassa cannot read', () => {
  it('is an unknown outcome: 503, the attempt stays open for the sweep, no money moves', async () => {
    // An "acquirer" over real HTTP that answers 200 with an authorization status nobody defined.
    const odd = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'auth_odd', status: 'pending_review', amount: 900 }));
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const address = odd.address() as { port: number };
    const confused = await startApi(db.current, {
      url: `http://127.0.0.1:${address.port}`,
      retries: 0,
    });
    try {
      const pay = client(confused.base, merchant.secretKey);
      const tab = client(confused.base, merchant.publishableKey);
      const created = await pay<{ id: string; client_secret: string }>('paymentIntents.create', {
        amount: 900,
        currency: 'eur',
      });
      const confirmed = await tab('checkout.paymentIntents.confirm', {
        client_secret: created.body.client_secret,
        payment_method_data: {
          type: 'card',
          card: {
            number: '4242424242424242',
            exp_month: 12,
            exp_year: new Date().getUTCFullYear() + 5,
          },
        },
      });
      expect(confirmed).toMatchObject({ status: 503, error: { code: 'acquirer_timeout' } });
      const attempts = await query<{ status: string }>(
        db.current.pool,
        'SELECT status FROM payment_attempts WHERE payment_intent_id = $1',
        [created.body.id],
      );
      expect(attempts).toEqual([{ status: 'pending' }]);
      const entries = await query<{ n: bigint }>(
        db.current.pool,
        `SELECT count(*)::bigint AS n FROM ledger_events WHERE data->>'reference' = $1`,
        [created.body.id],
      );
      expect(entries[0]?.n).toBe(0n);
      expect(confused.logs.join('\n')).toContain('acquirer call failed');
    } finally {
      await confused.app.close();
      odd.close();
    }
  });
});
