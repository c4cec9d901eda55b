import { query } from '@kassa/db';
import {
  accountFor,
  appendToStream,
  balanceOf,
  getBalance,
  readStream,
  verifyLedger,
} from '@kassa/ledger';
import { expireAuthorizations } from '@kassa/payments';
import { describe, expect, it } from 'vitest';
import { cardNumbersOutsideVault, client, newMerchant, usePaymentsApi } from './support.ts';

const { db, env, call, browser } = usePaymentsApi();

interface Payment {
  id: string;
  client_secret: string;
  status: string;
  amount_received: number;
  amount_capturable: number;
  cancellation_reason: string | null;
}
interface Refund {
  id: string;
  amount: number;
  status: string;
  payment_intent: string;
}

async function authorized(amount: number, number = '4242424242424242', capture = 'manual') {
  const created = await call<Payment>('paymentIntents.create', {
    amount,
    currency: 'usd',
    capture_method: capture,
  });
  const confirmed = await browser<Payment>('checkout.paymentIntents.confirm', {
    client_secret: created.body.client_secret,
    payment_method_data: {
      type: 'card',
      card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, cvc: '123' },
    },
  });
  expect(confirmed.status, JSON.stringify(confirmed.error)).toBe(200);
  return created.body;
}

const retrieve = async (id: string) =>
  (await call<Payment>('paymentIntents.retrieve', { id }, { query: true })).body;

async function pending() {
  const account = await accountFor(
    db.current.pool,
    'merchant_pending',
    'USD',
    env.merchant.merchantId,
    false,
  );
  return balanceOf(account, await getBalance(db.current.pool, account.id));
}

const atAcquirer = async (reference: string) =>
  (
    await query<{ status: string; captured_amount: bigint; refunded_amount: bigint }>(
      db.current.pool,
      'SELECT status, captured_amount, refunded_amount FROM acquirer_sim.authorizations WHERE reference = $1',
      [reference],
    )
  )[0];

const eventTypes = async (stream: string) =>
  (await readStream(db.current.pool, stream)).map((e) => e.type);

describe('capture', () => {
  it('captures in full: the hold becomes posted, less the fee', async () => {
    const before = await pending();
    const payment = await authorized(10_000);
    expect((await pending()).pendingIn - before.pendingIn).toBe(10_000n);
    const captured = await call<Payment>('paymentIntents.capture', { id: payment.id });
    expect(captured.body).toMatchObject({
      status: 'succeeded',
      amount_received: 10_000,
      amount_capturable: 0,
    });
    const after = await pending();
    expect(after.posted - before.posted).toBe(10_000n - 320n);
    expect(after.pendingIn).toBe(before.pendingIn);
    expect(await atAcquirer(payment.id)).toEqual({
      status: 'captured',
      captured_amount: 10_000n,
      refunded_amount: 0n,
    });
    expect(await eventTypes(`payment_intent:${payment.id}`)).toEqual([
      'payment_intent.created',
      'payment_intent.amount_capturable_updated',
      'payment_intent.succeeded',
    ]);
  });

  it('captures in part: the rest of the hold is released, the fee is on what was captured', async () => {
    const before = await pending();
    const payment = await authorized(10_000);
    const tooMuch = await call('paymentIntents.capture', {
      id: payment.id,
      amount_to_capture: 10_001,
    });
    expect(tooMuch).toMatchObject({
      status: 400,
      error: { code: 'amount_too_large', param: 'amount_to_capture' },
    });
    const captured = await call<Payment>('paymentIntents.capture', {
      id: payment.id,
      amount_to_capture: 6_000,
    });
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_received: 6_000 });
    const after = await pending();
    // 2.9% of 60.00 = 1.74, + 0.30 = 2.04.
    expect(after.posted - before.posted).toBe(6_000n - 204n);
    expect(after.pendingIn).toBe(before.pendingIn);
    expect((await atAcquirer(payment.id))?.captured_amount).toBe(6_000n);

    const again = await call('paymentIntents.capture', { id: payment.id });
    expect(again).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state' },
    });
  });

  it('a canceled payment cannot be captured: payment_intent_unexpected_state', async () => {
    const payment = await authorized(3_000);
    const before = await pending();
    const canceled = await call<Payment>('paymentIntents.cancel', {
      id: payment.id,
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      amount_capturable: 0,
    });
    expect(before.pendingIn - (await pending()).pendingIn).toBe(3_000n);
    expect((await atAcquirer(payment.id))?.status).toBe('voided');
    const capture = await call('paymentIntents.capture', { id: payment.id });
    expect(capture).toMatchObject({
      status: 400,
      error: { code: 'payment_intent_unexpected_state' },
    });
    expect(capture.error?.message).toContain('canceled');
    expect(await eventTypes(`payment_intent:${payment.id}`)).toEqual([
      'payment_intent.created',
      'payment_intent.amount_capturable_updated',
      'payment_intent.canceled',
    ]);
  });

  it('cancels a payment waiting for 3-D Secure: the authorization is voided', async () => {
    const created = await call<Payment>('paymentIntents.create', { amount: 900, currency: 'usd' });
    const confirmed = await browser<Payment>('checkout.paymentIntents.confirm', {
      client_secret: created.body.client_secret,
      payment_method_data: {
        type: 'card',
        card: {
          number: '4000002500003155',
          exp_month: 12,
          exp_year: new Date().getUTCFullYear() + 5,
        },
      },
    });
    expect(confirmed.body.status).toBe('requires_action');
    const canceled = await call<Payment>('paymentIntents.cancel', { id: created.body.id });
    expect(canceled.body.status).toBe('canceled');
    expect((await atAcquirer(created.body.id))?.status).toBe('voided');
  });
});

describe('authorization expiry', () => {
  it('cancels an authorization not captured in time: voided, hold released, reason automatic', async () => {
    const payment = await authorized(4_400);
    const before = await pending();
    await db.current.pool.query(
      `UPDATE payment_intents SET capture_before = now() - interval '1 second' WHERE id = $1`,
      [payment.id],
    );
    const late = await call('paymentIntents.capture', { id: payment.id });
    expect(late).toMatchObject({ status: 400, error: { code: 'charge_expired_for_capture' } });
    expect(await expireAuthorizations(env.app.kassaServices, env.app.log)).toBeGreaterThanOrEqual(
      1,
    );
    expect(await retrieve(payment.id)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'automatic',
      amount_capturable: 0,
    });
    expect(before.pendingIn - (await pending()).pendingIn).toBe(4_400n);
    expect((await atAcquirer(payment.id))?.status).toBe('voided');
  });
});

describe('refunds', () => {
  it('refunds in parts, never more than was captured, and books each reversal', async () => {
    const payment = await authorized(5_000, '4242424242424242', 'automatic');
    const before = await pending();
    const first = await call<Refund>('refunds.create', {
      payment_intent: payment.id,
      amount: 2_000,
    });
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^re_/),
      object: 'refund',
      amount: 2_000,
      currency: 'usd',
      payment_intent: payment.id,
      status: 'succeeded',
    });
    const over = await call('refunds.create', { payment_intent: payment.id, amount: 3_001 });
    expect(over).toMatchObject({
      status: 400,
      error: { code: 'amount_too_large', param: 'amount' },
    });
    const rest = await call<Refund>('refunds.create', {
      payment_intent: payment.id,
      reason: 'requested_by_customer',
    });
    expect(rest.body).toMatchObject({ amount: 3_000, status: 'succeeded' });
    const none = await call('refunds.create', { payment_intent: payment.id });
    expect(none).toMatchObject({ status: 400, error: { code: 'charge_already_refunded' } });

    // The fee stays with the platform: the merchant gives back all 50.00.
    expect(before.posted - (await pending()).posted).toBe(5_000n);
    expect((await atAcquirer(payment.id))?.refunded_amount).toBe(5_000n);

    const listed = await call<{ data: Refund[]; has_more: boolean }>(
      'refunds.list',
      { payment_intent: payment.id },
      { query: true },
    );
    expect(listed.body.data.map((r) => r.id)).toEqual([rest.body.id, first.body.id]);
    const retrieved = await call<Refund>(
      'refunds.retrieve',
      { id: first.body.id },
      { query: true },
    );
    expect(retrieved.body).toEqual(first.body);
    const other = await newMerchant(db.current);
    const theirs = await client(env.base, other.secretKey)(
      'refunds.retrieve',
      { id: first.body.id },
      { query: true },
    );
    expect(theirs.status).toBe(404);

    expect(await eventTypes(`refund:${first.body.id}`)).toEqual([
      'refund.created',
      'refund.updated',
    ]);
    expect((await eventTypes(`payment_intent:${payment.id}`)).slice(-2)).toEqual([
      'charge.refunded',
      'charge.refunded',
    ]);
  });

  it('concurrent refunds never add up to more than was captured', async () => {
    const payment = await authorized(10_000, '4242424242424242', 'automatic');
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        call<Refund>('refunds.create', { payment_intent: payment.id, amount: 3_000 }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.error?.code).toBe('amount_too_large');
    }
    const [row] = await query<{ amount_refunded: bigint }>(
      db.current.pool,
      'SELECT amount_refunded FROM payment_intents WHERE id = $1',
      [payment.id],
    );
    expect(row?.amount_refunded).toBe(9_000n);
    expect((await atAcquirer(payment.id))?.refunded_amount).toBe(9_000n);
  });

  it('only a succeeded payment can be refunded', async () => {
    const payment = await authorized(1_000);
    const refund = await call('refunds.create', { payment_intent: payment.id });
    expect(refund).toMatchObject({
      status: 400,
      error: { code: 'payment_intent_unexpected_state' },
    });
    const unknown = await call('refunds.create', { payment_intent: `pi_${'x'.repeat(24)}` });
    expect(unknown).toMatchObject({
      status: 404,
      error: { code: 'resource_missing', param: 'payment_intent' },
    });
  });
});

describe('balance and events', () => {
  interface Listed {
    data: Array<{
      id: string;
      type: string;
      livemode: boolean;
      data: { object: { id: string } };
      request: { id: string | null; idempotency_key: string | null };
    }>;
    has_more: boolean;
  }

  it('the balance is what the ledger says, per currency and per mode', async () => {
    const fresh = await newMerchant(db.current);
    const freshCall = client(env.base, fresh.secretKey);
    const empty = await freshCall('balance.retrieve', {}, { query: true });
    expect(empty.body).toEqual({ object: 'balance', livemode: false, available: [], pending: [] });

    const created = await freshCall<Payment>('paymentIntents.create', {
      amount: 10_000,
      currency: 'gbp',
    });
    await client(env.base, fresh.publishableKey)('checkout.paymentIntents.confirm', {
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
    await freshCall('refunds.create', { payment_intent: created.body.id, amount: 1_000 });
    const balance = await freshCall('balance.retrieve', {}, { query: true });
    expect(balance.body).toEqual({
      object: 'balance',
      livemode: false,
      available: [{ amount: 0, currency: 'gbp' }],
      pending: [{ amount: 10_000 - 290 - 20 - 1_000, currency: 'gbp' }], // 2.9% + £0.20
    });
    const live = await client(env.base, fresh.liveSecretKey)(
      'balance.retrieve',
      {},
      { query: true },
    );
    expect(live.body).toMatchObject({ livemode: true, available: [], pending: [] });
  });

  it('lists the merchant events newest first, by type or family, page by page', async () => {
    const fresh = await newMerchant(db.current);
    const freshCall = client(env.base, fresh.secretKey);
    const created = await freshCall<Payment>(
      'paymentIntents.create',
      { amount: 2_500, currency: 'usd', capture_method: 'manual' },
      { idempotencyKey: 'evt-create' },
    );
    await client(env.base, fresh.publishableKey)('checkout.paymentIntents.confirm', {
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
    await freshCall('paymentIntents.capture', { id: created.body.id });
    const refund = await freshCall<Refund>('refunds.create', { payment_intent: created.body.id });

    const all = await freshCall<Listed>('events.list', {}, { query: true });
    expect(all.body.data.map((e) => e.type)).toEqual([
      'charge.refunded',
      'refund.updated',
      'refund.created',
      'payment_intent.succeeded',
      'payment_intent.amount_capturable_updated',
      'payment_intent.created',
    ]);
    expect(all.body.data.every((e) => e.livemode === false)).toBe(true);
    const first = all.body.data.at(-1);
    expect(first?.request).toEqual({
      id: expect.stringMatching(/^req_/),
      idempotency_key: 'evt-create',
    });
    expect(first?.data.object.id).toBe(created.body.id);

    const family = await freshCall<Listed>('events.list', { type: 'refund.*' }, { query: true });
    expect(family.body.data.map((e) => e.type)).toEqual(['refund.updated', 'refund.created']);
    expect(family.body.data[0]?.data.object.id).toBe(refund.body.id);

    const page1 = await freshCall<Listed>('events.list', { limit: 4 }, { query: true });
    expect(page1.body.has_more).toBe(true);
    const page2 = await freshCall<Listed>(
      'events.list',
      { limit: 4, starting_after: page1.body.data.at(-1)?.id },
      { query: true },
    );
    expect(page2.body).toMatchObject({ has_more: false });
    expect([...page1.body.data, ...page2.body.data].map((e) => e.id)).toEqual(
      all.body.data.map((e) => e.id),
    );
    const back = await freshCall<Listed>(
      'events.list',
      { limit: 4, ending_before: page2.body.data[0]?.id },
      { query: true },
    );
    expect(back.body.data.map((e) => e.id)).toEqual(page1.body.data.map((e) => e.id));

    const one = await freshCall('events.retrieve', { id: first?.id }, { query: true });
    expect(one.body).toEqual(first);
    const foreign = await call('events.retrieve', { id: first?.id }, { query: true });
    expect(foreign.status).toBe(404);
    const liveEvents = await client(env.base, fresh.liveSecretKey)<Listed>(
      'events.list',
      {},
      { query: true },
    );
    expect(liveEvents.body.data).toEqual([]);
    const bad = await freshCall('events.list', { type: 'DROP TABLE' }, { query: true });
    expect(bad).toMatchObject({ status: 400, error: { param: 'type' } });
  });

  it('a poller asking for what is newer never misses an event whose transaction committed late', async () => {
    const fresh = await newMerchant(db.current);
    const freshCall = client(env.base, fresh.secretKey);
    const create = (idempotencyKey: string) =>
      freshCall<Payment>(
        'paymentIntents.create',
        { amount: 100, currency: 'usd' },
        { idempotencyKey },
      );
    const newer = async (after: string) =>
      (await freshCall<Listed>('events.list', { ending_before: after }, { query: true })).body;
    await create('poll-first');
    const [start] = (await freshCall<Listed>('events.list', {}, { query: true })).body.data;
    if (!start) throw new Error('no first event');

    // A writer appends an event (as a slow request would) and holds its transaction open...
    const slow = await db.current.pool.connect();
    try {
      await slow.query('BEGIN');
      const late = await appendToStream(slow, {
        stream: 'payment_intent:pi_late',
        expectedVersion: 'no_stream',
        merchantId: fresh.merchantId,
        events: [
          {
            type: 'payment_intent.created',
            data: { object: { id: 'pi_late', object: 'payment_intent', livemode: false } },
          },
        ],
      });
      // ...while another request's event, inserted after it, commits and is listed.
      await create('poll-second');
      const firstPoll = await newer(start.id);
      expect(firstPoll.data.map((e) => e.data.object.id)).toHaveLength(1);
      const [seen] = firstPoll.data;
      if (!seen) throw new Error('the second payment was not listed');
      await slow.query('COMMIT');

      // The late event comes after the cursor: by insertion order it was before it.
      const secondPoll = await newer(seen.id);
      expect(secondPoll.data.map((e) => e.id)).toEqual(late.events.map((e) => e.id));
      expect(await newer(secondPoll.data[0]?.id as string)).toMatchObject({ data: [] });
    } finally {
      slow.release();
    }
  });
});

describe('after all of it', () => {
  it('the ledger verifies and no card number is outside the vault', async () => {
    expect((await verifyLedger(db.current.pool)).problems).toEqual([]);
    expect((await cardNumbersOutsideVault(db.current, env.logs)).found).toEqual([]);
    expect(await retrieve((await authorized(100)).id)).toMatchObject({
      status: 'requires_capture',
    });
  });
});
