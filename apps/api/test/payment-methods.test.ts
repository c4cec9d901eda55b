import { ManualClock } from '@kassa/contracts';
import { query } from '@kassa/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cardNumbersOutsideVault,
  client,
  newMerchant,
  startApi,
  useApiDatabase,
} from './support.ts';

const db = useApiDatabase();
let app: FastifyInstance;
let base: string;
let logs: string[];
let merchant: Awaited<ReturnType<typeof newMerchant>>;
let call: ReturnType<typeof client>;
let browser: ReturnType<typeof client>;

beforeAll(async () => {
  ({ app, base, logs } = await startApi(db.current));
  merchant = await newMerchant(db.current);
  call = client(base, merchant.secretKey);
  browser = client(base, merchant.publishableKey);
});

afterAll(async () => {
  await app.close();
});

const card = (number = '4242424242424242') => ({
  number,
  exp_month: 12,
  exp_year: new Date().getUTCFullYear() + 5,
});

async function newPayment(amount = 2500) {
  const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
    amount,
    currency: 'eur',
  });
  expect(created.status).toBe(200);
  return created.body;
}

const countRows = async (table: string) =>
  Number(
    (await query<{ n: bigint }>(db.current.pool, `SELECT count(*)::bigint AS n FROM ${table}`))[0]
      ?.n,
  );

describe('tokenizing a card at checkout', () => {
  it('returns a payment method that shows brand, last 4, expiry, funding, country and fingerprint', async () => {
    const payment = await newPayment();
    const created = await browser<Record<string, unknown> & { id: string }>(
      'checkout.paymentMethods.create',
      {
        client_secret: payment.client_secret,
        type: 'card',
        card: {
          number: '4242 4242 4242 4242',
          exp_month: 3,
          exp_year: (new Date().getUTCFullYear() + 5) % 100,
        },
        billing_details: { name: 'Ada Lovelace', address: { postal_code: '10115', country: 'de' } },
      },
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^pm_/),
      object: 'payment_method',
      type: 'card',
      card: {
        brand: 'visa',
        last4: '4242',
        exp_month: 3,
        exp_year: new Date().getUTCFullYear() + 5,
        funding: 'credit',
        country: 'US',
        fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      },
      billing_details: {
        name: 'Ada Lovelace',
        email: null,
        address: { postal_code: '10115', country: 'DE' },
      },
      livemode: false,
    });
    const retrieved = await call(
      'paymentMethods.retrieve',
      { id: created.body.id },
      { query: true },
    );
    expect(retrieved.body).toEqual(created.body);
    expect(JSON.stringify(retrieved.body)).not.toContain('424242424242');
  });

  it('gives one card one fingerprint per merchant, and another at the next merchant', async () => {
    const payment = await newPayment();
    const tokenize = (c: ReturnType<typeof client>, secret: string, number: string) =>
      c<{ card: { fingerprint: string } }>('checkout.paymentMethods.create', {
        client_secret: secret,
        type: 'card',
        card: card(number),
      });
    const a = await tokenize(browser, payment.client_secret, '5555555555554444');
    const b = await tokenize(browser, payment.client_secret, '5555-5555-5555-4444');
    const c = await tokenize(browser, payment.client_secret, '4000056655665556');
    expect(a.body.card.fingerprint).toBe(b.body.card.fingerprint);
    expect(c.body.card.fingerprint).not.toBe(a.body.card.fingerprint);

    const other = await newMerchant(db.current);
    const otherPayment = await client(base, other.secretKey)<{ client_secret: string }>(
      'paymentIntents.create',
      { amount: 100, currency: 'usd' },
    );
    const d = await tokenize(
      client(base, other.publishableKey),
      otherPayment.body.client_secret,
      '5555555555554444',
    );
    expect(d.status).toBe(200);
    expect(d.body.card.fingerprint).not.toBe(a.body.card.fingerprint);
  });

  it('refuses a bad card with a card error naming the field, and writes nothing', async () => {
    const payment = await newPayment();
    const before = [await countRows('payment_methods'), await countRows('vault_cards')];
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [card('4242424242424241'), 402, 'incorrect_number', 'card.number'],
      [card('4242'), 402, 'invalid_number', 'card.number'],
      [card('abcd efgh ijkl mnop'), 402, 'invalid_number', 'card.number'],
      [{ ...card(), exp_month: 13 }, 402, 'invalid_expiry_month', 'card.exp_month'],
      [{ ...card(), exp_year: 2020 }, 402, 'invalid_expiry_year', 'card.exp_year'],
      [{ ...card(), exp_month: '12' }, 400, 'parameter_invalid', 'card.exp_month'],
      [{ ...card(), cvc: '123' }, 400, 'parameter_invalid', ''],
      [{ number: '4242424242424242' }, 400, 'parameter_invalid', 'card.exp_month'],
    ];
    for (const [c, status, code, param] of cases) {
      const response = await browser('checkout.paymentMethods.create', {
        client_secret: payment.client_secret,
        type: 'card',
        card: c,
      });
      expect(response.status, JSON.stringify(c)).toBe(status);
      expect(response.error?.type).toBe(status === 402 ? 'card_error' : 'invalid_request_error');
      expect(response.error?.code, JSON.stringify(c)).toBe(code);
      if (param) expect(response.error?.param).toBe(param);
      expect(response.error?.message).not.toMatch(/\d{6}/);
    }
    expect([await countRows('payment_methods'), await countRows('vault_cards')]).toEqual(before);
  });
});

describe('the checkout chain', () => {
  it('needs the publishable key and a genuine client secret of that merchant and mode', async () => {
    const payment = await newPayment();
    const input = { client_secret: payment.client_secret, type: 'card', card: card() };

    const withSecretKey = await call('checkout.paymentMethods.create', input);
    expect(withSecretKey).toMatchObject({
      status: 403,
      error: { type: 'permission_error', code: 'publishable_key_required' },
    });
    const anonymous = await client(base)('checkout.paymentMethods.create', input);
    expect(anonymous).toMatchObject({ status: 401, error: { code: 'api_key_missing' } });

    const forged = `${payment.id}_secret_${'A'.repeat(32)}`;
    for (const client_secret of [forged, 'nonsense', undefined]) {
      const response = await browser('checkout.paymentMethods.create', { ...input, client_secret });
      expect(response).toMatchObject({
        status: 401,
        error: {
          type: 'authentication_error',
          code: 'client_secret_invalid',
          param: 'client_secret',
        },
      });
    }

    // A genuine client secret of another merchant's payment, with this merchant's key: a 404.
    const other = await newMerchant(db.current);
    const theirs = await client(base, other.secretKey)<{ client_secret: string }>(
      'paymentIntents.create',
      { amount: 100, currency: 'usd' },
    );
    const crossed = await browser('checkout.paymentMethods.create', {
      ...input,
      client_secret: theirs.body.client_secret,
    });
    expect(crossed).toMatchObject({ status: 404, error: { code: 'resource_missing' } });

    // The publishable key cannot use merchant procedures.
    const merchantCall = await browser(
      'paymentIntents.retrieve',
      { id: payment.id },
      { query: true },
    );
    expect(merchantCall).toMatchObject({ status: 403, error: { code: 'secret_key_required' } });
  });

  it('shows the shopper its payment without the merchant-only fields', async () => {
    const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
      amount: 4200,
      currency: 'usd',
      description: 'Two coffees',
      metadata: { order: 'internal-77' },
    });
    const seen = await browser<Record<string, unknown>>(
      'checkout.paymentIntents.retrieve',
      { client_secret: created.body.client_secret },
      { query: true },
    );
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      id: created.body.id,
      amount: 4200,
      currency: 'usd',
      description: 'Two coffees',
      status: 'requires_payment_method',
    });
    expect(seen.body).not.toHaveProperty('metadata');
    expect(seen.body).not.toHaveProperty('amount_received');
  });
});

describe('payment methods on payments', () => {
  it('a payment created or updated with a payment method needs confirmation', async () => {
    const payment = await newPayment();
    const pm = await browser<{ id: string }>('checkout.paymentMethods.create', {
      client_secret: payment.client_secret,
      type: 'card',
      card: card('378282246310005'),
    });
    const created = await call('paymentIntents.create', {
      amount: 1000,
      currency: 'usd',
      payment_method: pm.body.id,
    });
    expect(created.body).toMatchObject({
      status: 'requires_confirmation',
      payment_method: pm.body.id,
    });

    const updated = await call('paymentIntents.update', {
      id: payment.id,
      payment_method: pm.body.id,
    });
    expect(updated.body).toMatchObject({
      status: 'requires_confirmation',
      payment_method: pm.body.id,
    });

    const other = await newMerchant(db.current);
    const theirs = await client(base, other.secretKey)('paymentIntents.create', {
      amount: 1000,
      currency: 'usd',
      payment_method: pm.body.id,
    });
    expect(theirs).toMatchObject({
      status: 404,
      error: { code: 'resource_missing', param: 'payment_method' },
    });
    const notThere = await call('paymentMethods.retrieve', { id: pm.body.id }, { query: true });
    expect(notThere.status).toBe(200);
    const theirsRetrieve = await client(base, other.secretKey)(
      'paymentMethods.retrieve',
      { id: pm.body.id },
      { query: true },
    );
    expect(theirsRetrieve.status).toBe(404);
  });
});

describe('card numbers', () => {
  it('exist nowhere outside the vault: not in any other table, not in any log line', async () => {
    const scan = await cardNumbersOutsideVault(db.current, logs);
    expect(scan.tables).toBeGreaterThan(10);
    expect(scan.logLines).toBeGreaterThan(10);
    expect(scan.found).toEqual([]);
    // The scan would see one: the vault holds ciphertext only, so plant a number elsewhere.
    const planted = await cardNumbersOutsideVault(db.current, [
      ...logs,
      '{"msg":"oops 4000 0566 5566 5556"}',
    ]);
    expect(planted.found).toEqual(['logs: 400005••••••5556']);
  });
});

describe('the clock', () => {
  it('judges card expiries by the clock the API was given, not the machine date', async () => {
    const clock = new ManualClock(new Date('2031-05-20T10:00:00Z'));
    const dated = await startApi(db.current, {}, { clock });
    try {
      const pay = client(dated.base, merchant.secretKey);
      const tab = client(dated.base, merchant.publishableKey);
      const payment = (
        await pay<{ client_secret: string; created: number }>('paymentIntents.create', {
          amount: 500,
          currency: 'eur',
        })
      ).body;
      expect(payment.created).toBe(Date.parse('2031-05-20T10:00:00Z') / 1000);
      const tokenize = (exp_month: number, exp_year: number) =>
        tab<{ id: string }>('checkout.paymentMethods.create', {
          client_secret: payment.client_secret,
          type: 'card',
          card: { number: '4242424242424242', exp_month, exp_year },
        });
      expect((await tokenize(5, 2031)).status).toBe(200);
      expect((await tokenize(4, 2031)).error).toMatchObject({ code: 'invalid_expiry_month' });
      clock.set(new Date('2031-06-01T00:00:00Z'));
      expect((await tokenize(5, 2031)).error).toMatchObject({ code: 'invalid_expiry_month' });
      expect((await tokenize(12, 2050)).status).toBe(200);
      expect((await tokenize(12, 2051)).error).toMatchObject({ code: 'invalid_expiry_year' });
    } finally {
      await dated.app.close();
    }
  });
});
