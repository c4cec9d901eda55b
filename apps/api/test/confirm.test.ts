import { query } from '@kassa/db';
import { accountFor, balanceOf, getBalance, readStream, verifyLedger } from '@kassa/ledger';
import { describe, expect, it } from 'vitest';
import { cardNumbersOutsideVault, usePaymentsApi } from './support.ts';

const { db, env, call, browser } = usePaymentsApi();

interface Payment {
  id: string;
  client_secret: string;
  status: string;
  amount: number;
  amount_received: number;
  amount_capturable: number;
  payment_method: string | null;
  last_payment_error: Record<string, unknown> | null;
  next_action: { redirect_to_url: { url: string; return_url: string | null } } | null;
}

const card = (number: string, cvc = '123') => ({
  type: 'card',
  card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, cvc },
});

async function pay(
  number: string,
  options: {
    amount?: number;
    currency?: string;
    capture_method?: string;
    return_url?: string;
  } = {},
) {
  const created = await call<Payment>('paymentIntents.create', {
    amount: options.amount ?? 2_000,
    currency: options.currency ?? 'eur',
    ...(options.capture_method && { capture_method: options.capture_method }),
  });
  expect(created.status).toBe(200);
  const confirmed = await browser<Payment>('checkout.paymentIntents.confirm', {
    client_secret: created.body.client_secret,
    payment_method_data: card(number),
    ...(options.return_url && { return_url: options.return_url }),
  });
  return { created: created.body, confirmed };
}

const retrieve = async (id: string) =>
  (await call<Payment>('paymentIntents.retrieve', { id }, { query: true })).body;

async function merchantBalance(code: 'merchant_pending', currency: string) {
  const account = await accountFor(db.current.pool, code, currency, env.merchant.merchantId, false);
  return balanceOf(account, await getBalance(db.current.pool, account.id));
}

describe('confirming a card payment', () => {
  it('with automatic capture: succeeded, the ledger books amount, fee and the merchant share', async () => {
    const before = (await merchantBalance('merchant_pending', 'EUR')).posted;
    const { created, confirmed } = await pay('4242424242424242', { amount: 10_000 });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      id: created.id,
      status: 'succeeded',
      payment_method: expect.stringMatching(/^pm_/),
      last_payment_error: null,
    });
    expect(await retrieve(created.id)).toMatchObject({
      amount_received: 10_000,
      amount_capturable: 0,
    });
    // 2.9% of 100.00 + 0.25 (the fixed fee in euros) = 3.15; the merchant is owed 96.85.
    expect((await merchantBalance('merchant_pending', 'EUR')).posted - before).toBe(9_685n);
    const types = (await readStream(db.current.pool, `payment_intent:${created.id}`)).map(
      (e) => e.type,
    );
    expect(types).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
    const [authorization] = await query<{ status: string; captured_amount: bigint }>(
      db.current.pool,
      `SELECT status, captured_amount FROM acquirer_sim.authorizations WHERE reference = $1`,
      [created.id],
    );
    expect(authorization).toEqual({ status: 'captured', captured_amount: 10_000n });
  });

  it("charges the fixed fee in the payment currency's own minor units, or the merchant's own", async () => {
    const owed = async (currency: string, amount: number) => {
      const before = (await merchantBalance('merchant_pending', currency)).posted;
      const { confirmed } = await pay('4242424242424242', { amount, currency });
      expect(confirmed.body).toMatchObject({ status: 'succeeded' });
      return (await merchantBalance('merchant_pending', currency)).posted - before;
    };
    // 2.9% + $0.30; 2.9% + ¥45 (not ¥30: a yen has no cents); 2.9% + 0.090 KD (not 0.030).
    expect(await owed('USD', 10_000)).toBe(10_000n - 290n - 30n);
    expect(await owed('JPY', 10_000)).toBe(10_000n - 290n - 45n);
    expect(await owed('KWD', 10_000)).toBe(10_000n - 290n - 90n);
    await db.current.pool.query(
      `INSERT INTO merchant_fixed_fees (merchant_id, currency, fixed) VALUES ($1, 'JPY', 100)`,
      [env.merchant.merchantId],
    );
    expect(await owed('JPY', 10_000)).toBe(10_000n - 290n - 100n);
  });

  it('with a payment method tokenized first, from the merchant server', async () => {
    const created = await call<Payment>('paymentIntents.create', { amount: 500, currency: 'usd' });
    const pm = await browser<{ id: string }>('checkout.paymentMethods.create', {
      client_secret: created.body.client_secret,
      type: 'card',
      card: { number: '5555555555554444', exp_month: 1, exp_year: new Date().getUTCFullYear() + 5 },
    });
    const confirmed = await call<Payment>('paymentIntents.confirm', {
      id: created.body.id,
      payment_method: pm.body.id,
    });
    expect(confirmed.body).toMatchObject({ status: 'succeeded', payment_method: pm.body.id });
  });

  it('declines answer 402 with the decline code; the payment can be retried with another card', async () => {
    // The shopper (the checkout confirms) is told a generic decline for lost and stolen cards;
    // the merchant's retrieve shows the issuer's code.
    const cases: Array<[string, string, string, string?]> = [
      ['4000000000000002', 'card_declined', 'generic_decline'],
      ['4000000000009995', 'card_declined', 'insufficient_funds'],
      ['4000000000009987', 'card_declined', 'lost_card', 'generic_decline'],
      ['4000000000009979', 'card_declined', 'stolen_card', 'generic_decline'],
      ['4000000000000069', 'expired_card', 'expired_card'],
      ['4000000000000127', 'incorrect_cvc', 'incorrect_cvc'],
      ['4000000000000119', 'processing_error', 'processing_error'],
    ];
    for (const [number, code, declineCode, toShopper] of cases) {
      const { created, confirmed } = await pay(number);
      expect(confirmed.status, number).toBe(402);
      expect(confirmed.error).toMatchObject({
        type: 'card_error',
        code,
        decline_code: toShopper ?? declineCode,
      });
      const after = await retrieve(created.id);
      expect(after).toMatchObject({
        status: 'requires_payment_method',
        payment_method: null,
        last_payment_error: { type: 'card_error', code, decline_code: declineCode },
      });
      const types = (await readStream(db.current.pool, `payment_intent:${created.id}`)).map(
        (e) => e.type,
      );
      expect(types).toEqual(['payment_intent.created', 'payment_intent.payment_failed']);
    }

    const { created } = await pay('4000000000009995');
    const retried = await browser<Payment>('checkout.paymentIntents.confirm', {
      client_secret: created.client_secret,
      payment_method_data: card('4242424242424242'),
    });
    expect(retried.body).toMatchObject({ status: 'succeeded', last_payment_error: null });
  });

  it('with manual capture: requires_capture, the amount held in the ledger', async () => {
    const { created, confirmed } = await pay('4242424242424242', {
      amount: 7_500,
      currency: 'usd',
      capture_method: 'manual',
    });
    expect(confirmed.body.status).toBe('requires_capture');
    expect(await retrieve(created.id)).toMatchObject({
      status: 'requires_capture',
      amount_capturable: 7_500,
      amount_received: 0,
    });
    const pending = await merchantBalance('merchant_pending', 'USD');
    expect(pending.pendingIn).toBeGreaterThanOrEqual(7_500n);
  });

  it('refuses a bad card before the acquirer, and a payment method checkout did not make', async () => {
    const created = await call<Payment>('paymentIntents.create', { amount: 100, currency: 'usd' });
    const bad = await browser('checkout.paymentIntents.confirm', {
      client_secret: created.body.client_secret,
      payment_method_data: card('4242424242424242', '12'),
    });
    expect(bad).toMatchObject({
      status: 402,
      error: { type: 'card_error', code: 'invalid_cvc', param: 'payment_method_data.card.cvc' },
    });
    const other = await call<Payment>('paymentIntents.create', { amount: 100, currency: 'usd' });
    const foreign = await browser<{ id: string }>('checkout.paymentMethods.create', {
      client_secret: other.body.client_secret,
      type: 'card',
      card: { number: '4242424242424242', exp_month: 1, exp_year: new Date().getUTCFullYear() + 5 },
    });
    const crossed = await browser('checkout.paymentIntents.confirm', {
      client_secret: created.body.client_secret,
      payment_method: foreign.body.id,
    });
    expect(crossed).toMatchObject({ status: 404, error: { param: 'payment_method' } });
    const none = await call('paymentIntents.confirm', { id: created.body.id });
    expect(none).toMatchObject({ status: 400, error: { code: 'payment_method_required' } });
    expect((await retrieve(created.body.id)).status).toBe('requires_payment_method');
  });
});

async function challenge(result: 'approve' | 'fail') {
  const { created, confirmed } = await pay('4000002500003155', {
    return_url: 'https://shop.test/done?order=9',
  });
  expect(confirmed.body).toMatchObject({ status: 'requires_action' });
  const url = confirmed.body.next_action?.redirect_to_url.url as string;
  expect(url).toMatch(new RegExp(`^${env.acquirer.url}/3ds/auth_`));
  expect(confirmed.body.next_action?.redirect_to_url.return_url).toBe(
    'https://shop.test/done?order=9',
  );
  // The shopper's browser: the issuer's page, the answer, the redirect back through the API.
  expect(await (await fetch(url)).text()).toContain('Approve');
  const answered = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `result=${result}`,
    redirect: 'manual',
  });
  expect(answered.status).toBe(303);
  const backToApi = answered.headers.get('location') as string;
  expect(backToApi).toMatch(/\/v1\/3ds\/return\/pa_/);
  const returned = await fetch(backToApi.replace('http://127.0.0.1:4000', env.base), {
    redirect: 'manual',
  });
  expect(returned.status).toBe(303);
  return { created, backToApi, location: new URL(returned.headers.get('location') as string) };
}

describe('3-D Secure', () => {
  it('approve: the payment succeeds and the shopper returns to the merchant', async () => {
    const { created, location } = await challenge('approve');
    expect(location.origin + location.pathname).toBe('https://shop.test/done');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      order: '9',
      payment_intent: created.id,
      payment_intent_client_secret: created.client_secret,
      redirect_status: 'succeeded',
    });
    expect(await retrieve(created.id)).toMatchObject({ status: 'succeeded', next_action: null });
    const types = (await readStream(db.current.pool, `payment_intent:${created.id}`)).map(
      (e) => e.type,
    );
    expect(types).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.succeeded',
    ]);
  });

  it('fail: the payment needs another payment method', async () => {
    const { created, location } = await challenge('fail');
    expect(location.searchParams.get('redirect_status')).toBe('failed');
    expect(await retrieve(created.id)).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_intent_authentication_failure' },
    });
  });
});

describe('3-D Secure return, hardened', () => {
  it("an old attempt's return confirms nothing else: a payment method attached since is left alone", async () => {
    const { created, backToApi } = await challenge('fail');
    const failed = await retrieve(created.id);
    const pm = failed.last_payment_error?.payment_method as string;
    const updated = await call('paymentIntents.update', { id: created.id, payment_method: pm });
    expect(updated.body).toMatchObject({ status: 'requires_confirmation' });
    const authorizations = async () =>
      (
        await query(
          db.current.pool,
          'SELECT id FROM acquirer_sim.authorizations WHERE reference = $1',
          [created.id],
        )
      ).length;
    const before = await authorizations();

    const again = await fetch(backToApi.replace('http://127.0.0.1:4000', env.base), {
      redirect: 'manual',
    });
    expect(again.status).toBe(303);
    const location = new URL(again.headers.get('location') as string);
    expect(location.origin).toBe('https://shop.test');
    expect(location.searchParams.get('redirect_status')).toBe('requires_confirmation');
    expect(await retrieve(created.id)).toMatchObject({ status: 'requires_confirmation' });
    expect(await authorizations()).toBe(before);
    const attempts = await query<{ status: string }>(
      db.current.pool,
      'SELECT status FROM payment_attempts WHERE payment_intent_id = $1',
      [created.id],
    );
    expect(attempts.map((a) => a.status)).toEqual(['failed']);
  });

  it('is rate-limited per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      const response = await fetch(`${env.base}/v1/3ds/return/pa_${'0'.repeat(24)}`, {
        redirect: 'manual',
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(30);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('after all of it', () => {
  it('the ledger verifies and no card number is outside the vault', async () => {
    const report = await verifyLedger(db.current.pool);
    expect(report.problems).toEqual([]);
    const scan = await cardNumbersOutsideVault(db.current, env.logs);
    expect(scan.found).toEqual([]);
  });
});
