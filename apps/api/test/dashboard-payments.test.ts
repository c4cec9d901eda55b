import { PAYMENTS_CSV_COLUMNS } from '@kassa/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  dashboardCaller,
  dashboardUser,
  newMerchant,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// The dashboard's payments list (filters by status, date, amount, currency, customer email and
// card last 4; each payment with its card) and its CSV export, over HTTP as the dashboard calls
// them, against payments made through the API and the acquirer simulator.

const db = useApiDatabase();
let app: FastifyInstance;
let base: string;
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let shop: Awaited<ReturnType<typeof newMerchant>>;
let other: Awaited<ReturnType<typeof newMerchant>>;
let owner: { id: string; cookie: string };
const ids: Record<string, string> = {};

interface Row {
  id: string;
  amount: number;
  currency: string;
  status: string;
  card: { brand: string; last4: string } | null;
  customer_email: string | null;
}

/** A payment made as a merchant's server and a shopper's browser make it. */
async function pay(
  merchant: typeof shop,
  amount: number,
  currency: string,
  card?: { number: string; email?: string },
  description?: string,
) {
  const created = await client(base, merchant.secretKey)<{ id: string; client_secret: string }>(
    'paymentIntents.create',
    { amount, currency, ...(description && { description }) },
  );
  if (card) {
    const confirmed = await client(base, merchant.publishableKey)<{ status: string }>(
      'checkout.paymentIntents.confirm',
      {
        client_secret: created.body.client_secret,
        payment_method_data: {
          ...testCard(card.number),
          ...(card.email && { billing_details: { email: card.email } }),
        },
      },
    );
    expect(confirmed.body.status).toBe('succeeded');
  }
  return created.body.id;
}

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  // Hundreds of payments a minute from one key: past the default rate limit.
  ({ app, base } = await startApi(db.current, { url: acquirer.url }, { rateLimit: 100_000 }));
  shop = await newMerchant(db.current);
  other = await newMerchant(db.current);
  owner = await dashboardUser(db.current, 'list-owner@example.com', [[shop.merchantId, 'owner']]);
  ids.visa = await pay(shop, 1_000, 'eur', {
    number: '4242424242424242',
    email: 'Ada@Example.com',
  });
  ids.mastercard = await pay(shop, 2_500, 'eur', { number: '5555555555554444' });
  ids.usd = await pay(shop, 9_900, 'usd', { number: '4242424242424242' }, '=HYPERLINK("x")');
  ids.unpaid = await pay(shop, 700, 'eur');
  ids.theirs = await pay(other, 2_500, 'eur', { number: '5555555555554444' });
}, 120_000);

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

const list = async (input: Record<string, unknown>) => {
  const response = await dashboardCaller(base, owner.cookie, shop.merchantId)<{
    data: Row[];
    has_more: boolean;
  }>('paymentIntents.list', input, { query: true });
  return response;
};
const idsOf = async (input: Record<string, unknown>) =>
  (await list(input)).body.data.map((p) => p.id);

describe('the dashboard payments list', () => {
  it('shows each payment with its card and customer, newest first, only this merchant', async () => {
    const { body } = await list({});
    expect(body.data.map((p) => p.id)).toEqual([ids.unpaid, ids.usd, ids.mastercard, ids.visa]);
    expect(body.data.find((p) => p.id === ids.visa)).toMatchObject({
      card: { brand: 'visa', last4: '4242' },
      customer_email: 'Ada@Example.com',
    });
    expect(body.data.find((p) => p.id === ids.unpaid)).toMatchObject({
      card: null,
      customer_email: null,
    });
  });

  it('filters by last 4, customer email (any case), currency, amount range, status', async () => {
    expect(await idsOf({ last4: '4444' })).toEqual([ids.mastercard]);
    expect(await idsOf({ last4: '4242' })).toEqual([ids.usd, ids.visa]);
    expect(await idsOf({ customer_email: 'ada@EXAMPLE.com' })).toEqual([ids.visa]);
    expect(await idsOf({ currency: 'usd' })).toEqual([ids.usd]);
    expect(await idsOf({ amount: { gte: 1_000, lte: 2_500 } })).toEqual([ids.mastercard, ids.visa]);
    expect(await idsOf({ status: 'requires_payment_method' })).toEqual([ids.unpaid]);
    expect(await idsOf({ last4: '4242', currency: 'eur' })).toEqual([ids.visa]);
    const now = Math.floor(Date.now() / 1000);
    expect(await idsOf({ created: { gte: now + 3_600 } })).toEqual([]);
  });

  it('pages with a cursor, keeping the filters', async () => {
    const first = await list({ currency: 'eur', limit: 2 });
    expect(first.body.data.map((p) => p.id)).toEqual([ids.unpaid, ids.mastercard]);
    expect(first.body.has_more).toBe(true);
    const second = await list({ currency: 'eur', limit: 2, starting_after: ids.mastercard });
    expect(second.body.data.map((p) => p.id)).toEqual([ids.visa]);
    expect(second.body.has_more).toBe(false);
    const back = await list({ currency: 'eur', limit: 2, ending_before: ids.visa });
    expect(back.body.data.map((p) => p.id)).toEqual([ids.unpaid, ids.mastercard]);
  });

  it('refuses bad filters with the parameter named; another merchant’s cursor is a 404', async () => {
    for (const [input, param] of [
      [{ last4: '42' }, 'last4'],
      [{ currency: 'euro' }, 'currency'],
      [{ amount: { gte: -1 } }, 'amount.gte'],
      [{ card: '4242' }, undefined],
    ] as const) {
      const response = await list(input);
      expect(response.status, JSON.stringify(input)).toBe(400);
      if (param) expect(response.error?.param).toBe(param);
    }
    const theirs = await list({ starting_after: ids.theirs });
    expect(theirs.status).toBe(404);
  });
});

describe('the dashboard payment page', () => {
  it('shows card, fee and net, the timeline, the ledger entries; a refund shows in all of them', async () => {
    const call = dashboardCaller(base, owner.cookie, shop.merchantId);
    const refund = await call<{ id: string }>(
      'refunds.create',
      { payment_intent: ids.visa, amount: 300 },
      { idempotencyKey: 'detail-refund' },
    );
    expect(refund.status).toBe(200);
    const detail = await call<{
      card: Record<string, unknown>;
      fee: number;
      net: number;
      refunded: number;
      three_d_secure: string;
      timeline: Array<{ type: string; object: string }>;
      ledger: Array<{ code: string; reference: string; legs: Array<Record<string, unknown>> }>;
      webhook_deliveries: unknown[];
    }>('paymentIntents.detail', { id: ids.visa }, { query: true });
    expect(detail.status).toBe(200);
    const body = detail.body;
    expect(body.card).toMatchObject({ brand: 'visa', last4: '4242', funding: 'credit' });
    expect(body.card).not.toHaveProperty('number');
    // 2.9% of €10.00 (29) + €0.25: the fee; what is left after it and the refund: the net.
    expect(body).toMatchObject({ fee: 54, refunded: 300, net: 1_000 - 54 - 300 });
    expect(body.three_d_secure).toBe('not_requested');
    expect(body.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'payment_intent.created',
        'payment_intent.succeeded',
        'refund.created',
      ]),
    );
    expect(body.timeline.find((e) => e.type === 'refund.created')?.object).toBe(refund.body.id);
    const sale = body.ledger.find((e) => e.reference === ids.visa && e.legs.length === 3);
    expect(sale?.legs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ account: 'acquirer_receivable', side: 'debit', amount: 1_000 }),
        expect.objectContaining({
          account: 'merchant_pending',
          owner: 'merchant',
          side: 'credit',
          amount: 946,
        }),
        expect.objectContaining({
          account: 'platform_fees',
          owner: 'platform',
          side: 'credit',
          amount: 54,
        }),
      ]),
    );
    expect(body.ledger.some((e) => e.reference === refund.body.id)).toBe(true);
    expect(body.webhook_deliveries).toEqual([]);

    // Another merchant's payment is a 404, like one that does not exist.
    const theirs = await call('paymentIntents.detail', { id: ids.theirs }, { query: true });
    expect(theirs.status).toBe(404);
  });

  it('captures part of an authorization and cancels another from the dashboard', async () => {
    const call = dashboardCaller(base, owner.cookie, shop.merchantId);
    const manual = async () => {
      const created = await client(base, shop.secretKey)<{ id: string; client_secret: string }>(
        'paymentIntents.create',
        { amount: 5_000, currency: 'eur', capture_method: 'manual' },
      );
      await client(base, shop.publishableKey)('checkout.paymentIntents.confirm', {
        client_secret: created.body.client_secret,
        payment_method_data: testCard('4000056655665556'),
      });
      return created.body.id;
    };
    const [toCapture, toCancel] = [await manual(), await manual()];
    const captured = await call<{ status: string; amount_received: number }>(
      'paymentIntents.capture',
      { id: toCapture, amount_to_capture: 3_000 },
      { idempotencyKey: 'capture-part' },
    );
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_received: 3_000 });
    const canceled = await call<{ status: string }>(
      'paymentIntents.cancel',
      { id: toCancel },
      { idempotencyKey: 'cancel-one' },
    );
    expect(canceled.body.status).toBe('canceled');
  });
});

/** The JSON error of a refused export. */
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; param?: string } }).error;

describe('the payments CSV export', () => {
  const exportCsv = (query: Record<string, string>, cookie = owner.cookie) =>
    fetch(`${base}/dashboard/exports/payments.csv?${new URLSearchParams(query)}`, {
      headers: { cookie },
    });

  it('streams the filtered payments as CSV, amounts as decimals, formulas defused, audited', async () => {
    const response = await exportCsv({
      merchant: shop.merchantId,
      input: JSON.stringify({ last4: '4242' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="payments-test-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines[0]).toBe(PAYMENTS_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${ids.usd},\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z,99\\.00,99\\.00,USD,succeeded,visa,4242,,"'=HYPERLINK\\(""x""\\)"$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${ids.visa},[^,]+,10\\.00,10\\.00,EUR,succeeded,visa,4242,Ada@Example\\.com,$`),
    );
    const { rows } = await db.current.pool.query(
      `SELECT actor, outcome FROM audit_log WHERE action = 'dashboard.payments.export'`,
    );
    expect(rows).toEqual([{ actor: `user:${owner.id}`, outcome: 'success' }]);
  });

  it('pages through more payments than one batch, each once', async () => {
    // 520 unpaid payments: more than a batch (500) of the export.
    const made: string[] = [];
    for (let i = 0; i < 520; i += 1) {
      made.push(await pay(shop, 10_000 + i, 'gbp'));
    }
    const response = await exportCsv({
      merchant: shop.merchantId,
      input: JSON.stringify({ currency: 'gbp' }),
    });
    const lines = (await response.text()).trimEnd().split('\n').slice(1);
    expect(lines.map((line) => line.split(',')[0])).toEqual(made.reverse());
  }, 120_000);

  it('refuses without a session, outside the membership, and bad filters, as JSON errors', async () => {
    const missing = await exportCsv({ merchant: shop.merchantId }, '');
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe('session_missing');
    const outsider = await exportCsv({ merchant: other.merchantId });
    expect(outsider.status).toBe(403);
    expect((await errorOf(outsider)).code).toBe('not_a_member');
    const bad = await exportCsv({ merchant: shop.merchantId, input: '{"last4":"12"}' });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ code: 'parameter_invalid', param: 'last4' });
    const notJson = await exportCsv({ merchant: shop.merchantId, input: '{' });
    expect(await errorOf(notJson)).toMatchObject({ param: 'input' });
  });
});
