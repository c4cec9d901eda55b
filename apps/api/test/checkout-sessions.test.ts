import type { CheckoutPage, CheckoutSession, PaymentIntent } from '@kassa/contracts';
import { expireDueCheckoutSessions } from '@kassa/payments';
import { describe, expect, it } from 'vitest';
import { client, newMerchant, usePaymentsApi } from './support.ts';

// Checkout sessions against the real API, simulator and database: the merchant's server creates
// them with its secret key; the hosted page reads its session by id alone and pays with the
// session's client secret alone (no key), as a shopper's browser would.
const { db, env, call } = usePaymentsApi();
const anonymous = () => client(env.base);
const inAnHour = () => Math.floor(Date.now() / 1000) + 3_600;

async function newSession(extra: Record<string, unknown> = {}) {
  const response = await call<CheckoutSession>('checkoutSessions.create', {
    line_items: [
      { name: 'Espresso beans, 1 kg', quantity: 2, unit_amount: 2_450 },
      { name: 'Shipping', unit_amount: 490 },
    ],
    currency: 'EUR',
    success_url: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cart',
    customer_email: 'ada@example.com',
    ...extra,
  });
  expect(response.error).toBeUndefined();
  return response.body;
}

/** The hosted page's view of a session (no key at all). */
async function page(id: string) {
  return anonymous()<CheckoutPage>('checkout.sessions.retrieve', { id }, { query: true });
}

/**
 * What the page does when the shopper presses pay: the card goes straight to the API's confirm
 * (which tokenizes it in the vault), with the session's secret and no key.
 */
async function pay(view: CheckoutPage, number: string) {
  return anonymous()<PaymentIntent>('checkout.paymentIntents.confirm', {
    client_secret: view.client_secret,
    payment_method_data: {
      type: 'card',
      card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, cvc: '123' },
    },
    return_url: `${env.base}/back`,
  });
}

describe('checkout sessions', () => {
  it('create: line items and totals, one payment, the page url and a client secret', async () => {
    const session = await newSession({ metadata: { order: 'A-7' } });
    expect(session).toMatchObject({
      object: 'checkout_session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 5_390,
      currency: 'eur',
      customer_email: 'ada@example.com',
      capture_method: 'automatic',
      url: `http://127.0.0.1:3000/pay/${session.id}`,
      client_secret: expect.stringMatching(new RegExp(`^${session.id}_secret_`)),
      metadata: { order: 'A-7' },
      livemode: false,
    });
    expect(session.line_items).toEqual([
      { name: 'Espresso beans, 1 kg', quantity: 2, unit_amount: 2_450, amount_total: 4_900 },
      { name: 'Shipping', quantity: 1, unit_amount: 490, amount_total: 490 },
    ]);
    expect(session.expires_at - session.created).toBe(24 * 3_600);
    const payment = await call<PaymentIntent>(
      'paymentIntents.retrieve',
      { id: session.payment_intent },
      { query: true },
    );
    expect(payment.body).toMatchObject({
      amount: 5_390,
      currency: 'eur',
      status: 'requires_payment_method',
    });
    expect(
      (await call('checkoutSessions.retrieve', { id: session.id }, { query: true })).body,
    ).toEqual(session);
    const single = await newSession({ line_items: undefined, amount: 1_000 });
    expect(single.line_items).toEqual([
      { name: 'Payment', quantity: 1, unit_amount: 1_000, amount_total: 1_000 },
    ]);
    const listed = await call<{ data: CheckoutSession[] }>(
      'checkoutSessions.list',
      { status: 'open', limit: 100 },
      { query: true },
    );
    expect(listed.body.data.map((s) => s.id)).toEqual(
      expect.arrayContaining([session.id, single.id]),
    );
  });

  it('refuses bad input with a code and the parameter, and writes nothing', async () => {
    const before = await db.current.pool.query('SELECT count(*)::int AS n FROM checkout_sessions');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amount: 100 }, 'line_items'],
      [{ line_items: undefined }, 'line_items'],
      [{ line_items: [{ name: '', unit_amount: 100 }] }, 'line_items.0.name'],
      [{ line_items: [{ name: 'x', unit_amount: 10.5 }] }, 'line_items.0.unit_amount'],
      [{ line_items: [{ name: 'x', quantity: 999, unit_amount: 99_999_999 }] }, 'line_items'],
      [{ success_url: 'javascript:alert(1)' }, 'success_url'],
      [{ currency: 'xyz' }, 'currency'],
      [{ customer_email: 'not-an-email' }, 'customer_email'],
      [{ expires_at: Math.floor(Date.now() / 1000) + 60 }, 'expires_at'],
      [{ expires_at: inAnHour() + 2 * 86_400 }, 'expires_at'],
    ];
    for (const [extra, param] of cases) {
      const response = await call('checkoutSessions.create', {
        line_items: [{ name: 'x', unit_amount: 100 }],
        currency: 'eur',
        success_url: 'https://shop.example/ok',
        cancel_url: 'https://shop.example/no',
        ...extra,
      });
      expect(response.status, JSON.stringify(extra)).toBe(400);
      expect(response.error, JSON.stringify(extra)).toMatchObject({
        type: 'invalid_request_error',
        param,
      });
    }
    const after = await db.current.pool.query('SELECT count(*)::int AS n FROM checkout_sessions');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('the page reads its session by id alone: the order and the client secret, no key', async () => {
    const session = await newSession();
    const view = await page(session.id);
    expect(view.body).toEqual({
      id: session.id,
      status: 'open',
      merchant_name: 'Test merchant',
      merchant_support: { email: null, phone: null, url: null },
      amount_total: 5_390,
      currency: 'eur',
      line_items: session.line_items,
      customer_email: 'ada@example.com',
      success_url: `https://shop.example/thanks?session=${session.id}`,
      cancel_url: 'https://shop.example/cart',
      expires_at: session.expires_at,
      livemode: false,
      payment_intent_status: 'requires_payment_method',
      payment_in_progress: false,
      client_secret: session.client_secret,
    });
    const unknown = await page('cs_000000000000000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'resource_missing' });
    expect((await page('../../etc/passwd')).status).toBe(404);
  });

  it('pays: tokenize and confirm with the session secret; the session completes with an event', async () => {
    const session = await newSession();
    const view = (await page(session.id)).body;
    const paid = await pay(view, '4242424242424242');
    expect(paid.error).toBeUndefined();
    expect(paid.body).toMatchObject({ id: session.payment_intent, status: 'succeeded' });

    const done = (
      await call<CheckoutSession>('checkoutSessions.retrieve', { id: session.id }, { query: true })
    ).body;
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      url: null,
      client_secret: null,
    });
    expect(done.completed_at).toEqual(expect.any(Number));
    const events = await call<{ data: Array<{ type: string; data: { object: { id: string } } }> }>(
      'events.list',
      { type: 'checkout.session.completed' },
      { query: true },
    );
    const event = events.body.data.find((e) => e.data.object.id === session.id);
    expect(event?.data.object).toMatchObject({
      status: 'complete',
      payment_intent: session.payment_intent,
      client_secret: null,
    });
    // The money is in the ledger: a sale entry for the payment.
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ledger.entry_posted' AND data->>'reference' = $1`,
      [session.payment_intent],
    );
    expect(rows[0].n).toBeGreaterThan(0);
    // The page now says paid, and offers nothing to pay with; paying again is refused.
    expect((await page(session.id)).body).toMatchObject({
      status: 'complete',
      payment_intent_status: 'succeeded',
      client_secret: null,
    });
    const again = await pay(view, '4242424242424242');
    expect(again.error).toMatchObject({ code: 'payment_intent_unexpected_state' });
  });

  it('a decline leaves the session open for another card', async () => {
    const session = await newSession();
    const view = (await page(session.id)).body;
    const declined = await pay(view, '4000000000009995');
    expect(declined.status).toBe(402);
    expect(declined.error).toMatchObject({
      type: 'card_error',
      decline_code: 'insufficient_funds',
    });
    expect((await page(session.id)).body).toMatchObject({
      status: 'open',
      payment_intent_status: 'requires_payment_method',
    });
    const paid = await pay(view, '4242424242424242');
    expect(paid.body).toMatchObject({ status: 'succeeded' });
  });

  it('two tabs pressing pay at once make one payment', async () => {
    const session = await newSession();
    const view = (await page(session.id)).body;
    const results = await Promise.all([
      pay(view, '4242424242424242'),
      pay(view, '5555555555554444'),
      pay(view, '4242424242424242'),
    ]);
    expect(results.filter((r) => r.body?.status === 'succeeded')).toHaveLength(1);
    for (const r of results.filter((r) => r.body?.status !== 'succeeded')) {
      expect(r.error?.code).toMatch(/payment_intent_unexpected_state|idempotency|in_progress/);
    }
    const payment = (
      await call<PaymentIntent>(
        'paymentIntents.retrieve',
        { id: session.payment_intent },
        { query: true },
      )
    ).body;
    expect(payment).toMatchObject({ status: 'succeeded', amount_received: 5_390 });
    // At the card network: one approved authorization for this payment, whatever the losers sent.
    const { rows } = await db.current.pool.query(
      `SELECT status FROM acquirer_sim.authorizations WHERE reference = $1 AND status <> 'declined'`,
      [session.payment_intent],
    );
    expect(rows).toHaveLength(1);
  });

  it('manual capture: the session completes once the card is authorized', async () => {
    const session = await newSession({ capture_method: 'manual' });
    const paid = await pay((await page(session.id)).body, '4242424242424242');
    expect(paid.body).toMatchObject({ status: 'requires_capture' });
    expect(
      (
        await call<CheckoutSession>(
          'checkoutSessions.retrieve',
          { id: session.id },
          { query: true },
        )
      ).body.status,
    ).toBe('complete');
  });

  it('expire: no more paying, the payment canceled, an event; the sweep expires overdue sessions', async () => {
    const session = await newSession();
    const view = (await page(session.id)).body;
    const expired = await call<CheckoutSession>('checkoutSessions.expire', { id: session.id });
    expect(expired.body).toMatchObject({ status: 'expired', url: null, client_secret: null });
    const payment = await call<PaymentIntent>(
      'paymentIntents.retrieve',
      { id: session.payment_intent },
      { query: true },
    );
    expect(payment.body).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect((await page(session.id)).body).toMatchObject({ status: 'expired', client_secret: null });
    const late = await pay(view, '4242424242424242');
    expect(late.error).toMatchObject({ code: 'checkout_session_expired', param: 'client_secret' });
    const twice = await call('checkoutSessions.expire', { id: session.id });
    expect(twice.error).toMatchObject({ code: 'checkout_session_unexpected_state' });

    const overdue = await newSession();
    await db.current.pool.query(
      `UPDATE checkout_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [overdue.id],
    );
    // Past its time, the page shows it expired even before the sweep runs.
    expect((await page(overdue.id)).body).toMatchObject({ status: 'expired', client_secret: null });
    const services = (
      env.app as unknown as { kassaServices: Parameters<typeof expireDueCheckoutSessions>[0] }
    ).kassaServices;
    expect(await expireDueCheckoutSessions(services, env.app.log)).toBeGreaterThanOrEqual(1);
    const swept = await call<CheckoutSession>(
      'checkoutSessions.retrieve',
      { id: overdue.id },
      { query: true },
    );
    expect(swept.body.status).toBe('expired');
    const types = await call<{ data: Array<{ type: string; data: { object: { id: string } } }> }>(
      'events.list',
      { type: 'checkout.session.expired' },
      { query: true },
    );
    expect(types.body.data.map((e) => e.data.object.id)).toEqual(
      expect.arrayContaining([session.id, overdue.id]),
    );
  });

  it('answers cross-origin requests only from the checkout origin, only on checkout procedures', async () => {
    const preflight = (path: string, origin: string) =>
      fetch(`${env.base}/trpc/${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,idempotency-key',
        },
      });
    const allowed = await preflight('checkout.paymentIntents.confirm', 'http://127.0.0.1:3000');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    const elsewhere = await preflight('checkout.paymentIntents.confirm', 'https://evil.example');
    expect(elsewhere.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    const merchantApi = await preflight('paymentIntents.create', 'http://127.0.0.1:3000');
    expect(merchantApi.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('another merchant can neither read a session nor pay it with its own key', async () => {
    const session = await newSession();
    const other = await newMerchant(db.current);
    const theirs = client(env.base, other.secretKey);
    expect(
      (await theirs('checkoutSessions.retrieve', { id: session.id }, { query: true })).status,
    ).toBe(404);
    const theirBrowser = client(env.base, other.publishableKey);
    const attempt = await theirBrowser('checkout.paymentMethods.create', {
      client_secret: session.client_secret,
      type: 'card',
      card: {
        number: '4242424242424242',
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 5,
      },
    });
    expect(attempt.status).toBe(404);
    // A live key does not see test sessions either.
    const live = client(env.base, env.merchant.liveSecretKey);
    expect(
      (await live('checkoutSessions.retrieve', { id: session.id }, { query: true })).status,
    ).toBe(404);
  });
});
