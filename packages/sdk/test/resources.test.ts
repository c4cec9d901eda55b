import { API_VERSIONS } from '@kassa/contracts';
import { useApiProcess } from '@kassa/testing';
import { describe, expect, it } from 'vitest';
import {
  API_VERSION,
  Kassa,
  KassaAuthenticationError,
  KassaCardError,
  KassaConnectionError,
  KassaIdempotencyError,
  KassaInvalidRequestError,
  KassaPermissionError,
} from '../src/index.ts';

// The SDK against the real API (in-process), the real acquirer simulator and a real database.
const { db, env, browser } = useApiProcess();
const kassa = () => new Kassa(env.merchant.secretKey, { baseUrl: env.base });

/** The shopper's side: checkout confirms with the card (the SDK is for servers). */
async function payByCard(clientSecret: string, number = '4242424242424242') {
  return browser('checkout.paymentIntents.confirm', {
    client_secret: clientSecret,
    payment_method_data: {
      type: 'card',
      card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, cvc: '123' },
    },
  });
}

describe('payment intents', () => {
  it('create, retrieve, update, confirm, capture, cancel and list', async () => {
    const k = kassa();
    const created = await k.paymentIntents.create({
      amount: 2_500,
      currency: 'eur',
      capture_method: 'manual',
      metadata: { order: 'A-1' },
    });
    expect(created).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method' });
    const updated = await k.paymentIntents.update(created.id, { amount: 3_000 });
    expect(updated.amount).toBe(3_000);
    expect((await k.paymentIntents.retrieve(created.id)).metadata).toEqual({ order: 'A-1' });

    await payByCard(created.client_secret);
    const authorized = await k.paymentIntents.retrieve(created.id);
    expect(authorized).toMatchObject({ status: 'requires_capture', amount_capturable: 3_000 });
    const captured = await k.paymentIntents.capture(created.id, { amount_to_capture: 2_000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 2_000 });

    const other = await k.paymentIntents.create({ amount: 100, currency: 'eur' });
    const canceled = await k.paymentIntents.cancel(other.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.status).toBe('canceled');

    const page = await k.paymentIntents.list({ limit: 1 });
    expect(page.data.map((p) => p.id)).toEqual([other.id]);
    expect(page.has_more).toBe(true);
  });

  it('confirm from the server with a payment method the checkout tokenized', async () => {
    const k = kassa();
    const created = await k.paymentIntents.create({ amount: 990, currency: 'usd' });
    const pm = await browser<{ id: string }>('checkout.paymentMethods.create', {
      client_secret: created.client_secret,
      type: 'card',
      card: { number: '5555555555554444', exp_month: 1, exp_year: new Date().getUTCFullYear() + 5 },
    });
    const confirmed = await k.paymentIntents.confirm(created.id, { payment_method: pm.body.id });
    expect(confirmed.status).toBe('succeeded');
    expect(await k.paymentMethods.retrieve(pm.body.id)).toMatchObject({
      card: { brand: 'mastercard', last4: '4444' },
    });
  });
});

describe('refunds, events and balance', () => {
  it('refunds in parts, lists refunds and events, and reads the balance', async () => {
    const k = kassa();
    const created = await k.paymentIntents.create({ amount: 10_000, currency: 'chf' });
    await payByCard(created.client_secret);
    const first = await k.refunds.create({ payment_intent: created.id, amount: 3_000 });
    const second = await k.refunds.create({ payment_intent: created.id });
    expect([first.status, second.status, second.amount]).toEqual(['succeeded', 'succeeded', 7_000]);
    expect((await k.refunds.retrieve(first.id)).amount).toBe(3_000);
    const refunds = await k.refunds.list({ payment_intent: created.id });
    expect(refunds.data.map((r) => r.id)).toEqual([second.id, first.id]);

    const events = await k.events.list({ type: 'charge.refunded', limit: 100 });
    expect(events.data.length).toBeGreaterThanOrEqual(2);
    const event = await k.events.retrieve(events.data[0]?.id as string);
    expect(event.type).toBe('charge.refunded');

    const balance = await k.balance.retrieve();
    // 10 000 captured, fee 290 + 25 (CHF 0.25), all of it refunded: minus the fee kept is left.
    expect(balance.pending).toContainEqual({ amount: -315, currency: 'chf' });
  });
});

describe('errors', () => {
  it('throws one class per error type, with code, param, requestId and statusCode', async () => {
    const k = kassa();
    const invalid = await k.paymentIntents.create({ amount: -5, currency: 'eur' }).catch((e) => e);
    expect(invalid).toBeInstanceOf(KassaInvalidRequestError);
    expect(invalid).toMatchObject({ code: 'parameter_invalid', param: 'amount', statusCode: 400 });
    expect(invalid.requestId).toMatch(/^req_/);

    const missing = await k.paymentIntents.retrieve('pi_000000000000000000000000').catch((e) => e);
    expect(missing).toMatchObject({ code: 'resource_missing', statusCode: 404 });

    const declined = await k.paymentIntents.create({ amount: 500, currency: 'eur' });
    const declinedConfirm = await payByCard(declined.client_secret, '4000000000009995');
    expect(declinedConfirm.status).toBe(402);
    const pm = (await k.paymentIntents.retrieve(declined.id)).last_payment_error?.payment_method;
    const again = await k.paymentIntents
      .confirm(declined.id, { payment_method: pm ?? undefined })
      .catch((e) => e);
    expect(again).toBeInstanceOf(KassaCardError);
    expect(again).toMatchObject({ code: 'card_declined', declineCode: 'insufficient_funds' });

    const key = 'sdk-reused-key';
    await k.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: key });
    const reused = await k.paymentIntents
      .create({ amount: 200, currency: 'eur' }, { idempotencyKey: key })
      .catch((e) => e);
    expect(reused).toBeInstanceOf(KassaIdempotencyError);

    const revoked = new Kassa('sk_test_notarealkey000000000000000000', { baseUrl: env.base });
    expect(await revoked.balance.retrieve().catch((e) => e)).toBeInstanceOf(
      KassaAuthenticationError,
    );
    const publishableAsSecret = await fetch(`${env.base}/trpc/balance.retrieve?input={}`, {
      headers: { authorization: `Bearer ${env.merchant.publishableKey}` },
    });
    expect(publishableAsSecret.status).toBe(403);
    expect(KassaPermissionError.name).toBe('KassaPermissionError');

    const nowhere = new Kassa(env.merchant.secretKey, {
      baseUrl: 'http://127.0.0.1:9',
      maxNetworkRetries: 1,
    });
    const unreachable = await nowhere.balance.retrieve().catch((e) => e);
    expect(unreachable).toBeInstanceOf(KassaConnectionError);
    expect(() => new Kassa(env.merchant.publishableKey)).toThrow(/secret key/);
  });

  it('pins the API version it was written against; one the API does not have is a typed 400', async () => {
    expect(API_VERSIONS).toContain(API_VERSION);
    let sent: string | null = null;
    const watching = new Kassa(env.merchant.secretKey, {
      baseUrl: env.base,
      fetch: (input, init) => {
        sent = new Headers(init?.headers).get('kassa-version');
        return fetch(input, init);
      },
    });
    await watching.balance.retrieve();
    expect(sent).toBe(API_VERSION);

    const future = new Kassa(env.merchant.secretKey, {
      baseUrl: env.base,
      apiVersion: '2099-01-01',
    });
    const refused = await future.balance.retrieve().catch((e) => e);
    expect(refused).toBeInstanceOf(KassaInvalidRequestError);
    expect(refused).toMatchObject({
      code: 'api_version_invalid',
      param: 'Kassa-Version',
      statusCode: 400,
    });
  });
});

describe('checkout sessions', () => {
  it('create, retrieve, list, pay on the page, expire', async () => {
    const k = kassa();
    const session = await k.checkoutSessions.create(
      {
        line_items: [{ name: 'Tea', quantity: 3, unit_amount: 400 }],
        currency: 'eur',
        success_url: 'https://shop.example/thanks',
        cancel_url: 'https://shop.example/cart',
      },
      { idempotencyKey: 'sdk-session-1' },
    );
    expect(session).toMatchObject({
      status: 'open',
      amount_total: 1_200,
      payment_status: 'unpaid',
    });
    expect(session.url).toMatch(/\/pay\/cs_/);
    expect(await k.checkoutSessions.retrieve(session.id)).toEqual(session);
    // The shopper pays on the hosted page, which acts with the session's client secret.
    await payByCard(session.client_secret as string);
    expect(await k.checkoutSessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
    });
    const open = await k.checkoutSessions.create({
      amount: 500,
      currency: 'eur',
      success_url: 'https://shop.example/thanks',
      cancel_url: 'https://shop.example/cart',
    });
    expect((await k.checkoutSessions.expire(open.id)).status).toBe('expired');
    const listed = await k.checkoutSessions.list({ limit: 100 }).autoPagingToArray({ limit: 100 });
    expect(listed.map((s) => [s.id, s.status])).toEqual(
      expect.arrayContaining([
        [session.id, 'complete'],
        [open.id, 'expired'],
      ]),
    );
  });
});

describe('pagination', () => {
  it('iterates every object across pages, newest first, and collects up to a limit', async () => {
    const k = kassa();
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      ids.unshift((await k.paymentIntents.create({ amount: 100 + i, currency: 'sek' })).id);
    }
    const seen: string[] = [];
    for await (const pi of k.paymentIntents.list({ limit: 3 })) {
      if (pi.currency === 'sek') seen.push(pi.id);
    }
    expect(seen).toEqual(ids);
    const five = await k.paymentIntents.list({ limit: 2 }).autoPagingToArray({ limit: 5 });
    expect(five.map((p) => p.id)).toEqual(ids.slice(0, 5));
    // Forward from an older object: ending_before walks toward the newest.
    const forward: string[] = [];
    for await (const pi of k.paymentIntents.list({ limit: 2, ending_before: ids[6] })) {
      forward.push(pi.id);
    }
    expect(forward).toEqual([...ids.slice(0, 6)].reverse());
    expect(db.current).toBeDefined();
  });
});
