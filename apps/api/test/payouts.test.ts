import { ManualClock } from '@kassa/contracts';
import { query } from '@kassa/db';
import { closeDay, DEFAULT_CALENDAR, endOf, verifySettlement } from '@kassa/settlement';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  dashboardCaller,
  dashboardUser,
  newMerchant,
  sessionCookie,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// Balance transactions and payouts through the API: reads scoped to their merchant, payouts.create
// on the manual schedule (one payout per confirmation, also under concurrent requests), the
// payout schedule in the dashboard (owner and admin only), and every bad input a typed error.

const db = useApiDatabase();
const clock = new ManualClock(new Date('2026-04-06T09:00:00Z')); // a Monday
let app: FastifyInstance;
let base: string;
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let shop: Awaited<ReturnType<typeof newMerchant>>;
let other: Awaited<ReturnType<typeof newMerchant>>;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  ({ app, base } = await startApi(db.current, { url: acquirer.url }, { clock }));
  shop = await newMerchant(db.current);
  other = await newMerchant(db.current);
});

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

async function pay(secretKey: string, publishableKey: string, amount: number, currency = 'eur') {
  const call = client(base, secretKey);
  const payment = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
    amount,
    currency,
  });
  const confirmed = await client(base, publishableKey)<{ status: string }>(
    'checkout.paymentIntents.confirm',
    {
      client_secret: payment.body.client_secret,
      payment_method_data: testCard(undefined, clock.now()),
    },
  );
  expect(confirmed.body.status).toBe('succeeded');
  return payment.body.id;
}

const settle = (day: string) => {
  clock.set(endOf(day, DEFAULT_CALENDAR));
  return closeDay({ pool: db.current.pool, clock, calendar: DEFAULT_CALENDAR, actor: 'test' }, day);
};

describe('payouts', () => {
  it('pays out by hand on the manual schedule: one payout per confirmation, whatever the concurrency', async () => {
    const owner = await dashboardUser(
      db.current,
      'owner@payouts.test',
      [[shop.merchantId, 'owner']],
      clock.now(),
    );
    const analyst = await dashboardUser(
      db.current,
      'analyst@payouts.test',
      [[shop.merchantId, 'analyst']],
      clock.now(),
    );
    const asOwner = dashboardCaller(base, owner.cookie, shop.merchantId);
    const asAnalyst = dashboardCaller(base, analyst.cookie, shop.merchantId);

    // The schedule: read by anyone who sees balances, changed by owners and admins only.
    expect((await asAnalyst('payoutSchedule.retrieve', {}, { query: true })).body).toEqual({
      interval: 'daily',
      weekly_anchor: null,
      monthly_anchor: null,
      delay_days: 2,
      minimum_amounts: {},
    });
    const refused = await asAnalyst('payoutSchedule.update', { interval: 'manual' });
    expect(refused.status).toBe(403);
    expect(refused.error?.code).toBe('role_insufficient');
    const missingAnchor = await asOwner('payoutSchedule.update', { interval: 'weekly' });
    expect(missingAnchor.status).toBe(400);
    expect(missingAnchor.error?.param).toBe('weekly_anchor');
    const badMinimum = await asOwner('payoutSchedule.update', {
      interval: 'daily',
      minimum_amounts: { xyz: 100 },
    });
    expect(badMinimum.error?.param).toBe('minimum_amounts.xyz');

    // Where payouts go: the number goes to the vault; the API shows the last 4 digits only.
    const badAccount = await asOwner('bankAccounts.create', {
      currency: 'eur',
      country: 'DE',
      account_holder_name: 'Shop GmbH',
      account_number: '12-34',
    });
    expect(badAccount.status).toBe(400);
    expect(badAccount.error?.param).toBe('account_number');
    expect((await asAnalyst('bankAccounts.create', { currency: 'eur' })).status).toBe(403);
    const account = await asOwner<Record<string, unknown>>('bankAccounts.create', {
      currency: 'eur',
      country: 'de',
      account_holder_name: 'Shop GmbH',
      routing_number: '110000000',
      account_number: '000123456789',
    });
    expect(account.body).toMatchObject({
      object: 'bank_account',
      currency: 'eur',
      country: 'DE',
      last4: '6789',
      status: 'new',
      default_for_currency: true,
      livemode: false,
    });
    expect(JSON.stringify(account.body)).not.toContain('000123456789');
    const [stored] = await query<Record<string, unknown>>(
      db.current.pool,
      `SELECT * FROM bank_accounts WHERE id = $1`,
      [account.body.id],
    );
    expect(JSON.stringify(stored)).not.toContain('000123456789');
    const again = await asOwner('bankAccounts.create', {
      currency: 'eur',
      country: 'DE',
      account_holder_name: 'Shop GmbH',
      routing_number: '110000000',
      account_number: '000123456789',
    });
    expect(again.error).toMatchObject({ code: 'bank_account_exists', param: 'account_number' });
    const defaultOne = await asOwner('bankAccounts.delete', { id: account.body.id });
    expect(defaultOne.error).toMatchObject({ code: 'bank_account_default' });

    const updated = await asOwner('payoutSchedule.update', {
      interval: 'manual',
      delay_days: 1,
      minimum_amounts: { eur: 500 },
    });
    expect(updated.body).toMatchObject({
      interval: 'manual',
      delay_days: 1,
      minimum_amounts: { eur: 500 },
    });

    const call = client(base, shop.secretKey);
    await pay(shop.secretKey, shop.publishableKey, 10_000);
    await pay(shop.secretKey, shop.publishableKey, 5_000);
    // Nothing is available yet.
    const early = await call('payouts.create', { amount: 100, currency: 'eur' });
    expect(early.status).toBe(400);
    expect(early.error).toMatchObject({ code: 'balance_insufficient', param: 'currency' });
    await settle('2026-04-07');
    const available = await call<{ available: Array<{ amount: number; currency: string }> }>(
      'balance.retrieve',
      {},
      { query: true },
    );
    const eur = available.body.available.find((b) => b.currency === 'eur')?.amount as number;
    expect(eur).toBeGreaterThan(14_000);

    // A stale amount is refused and pays nothing.
    const stale = await call('payouts.create', { amount: eur - 1, currency: 'eur' });
    expect(stale.status).toBe(409);
    expect(stale.error).toMatchObject({ code: 'balance_changed', param: 'amount' });
    const bad = await call('payouts.create', { amount: 1.5, currency: 'eur' });
    expect(bad.status).toBe(400);
    expect(bad.error?.param).toBe('amount');
    const badCurrency = await call('payouts.create', { amount: eur, currency: 'eurx' });
    expect(badCurrency.error?.param).toBe('currency');

    // A double click on Confirm: ten requests with one Idempotency-Key make one payout. (A new
    // session: the clock has moved past the first one's 12 hours.)
    const confirmer = dashboardCaller(
      base,
      await sessionCookie(db.current, owner.id, { now: clock.now() }),
      shop.merchantId,
    );
    const same = await Promise.all(
      Array.from({ length: 10 }, () =>
        confirmer<{ id: string; amount: number }>(
          'payouts.create',
          { amount: eur, currency: 'eur' },
          { idempotencyKey: 'confirm-payout-1' },
        ),
      ),
    );
    expect(same.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(same.map((r) => r.body.id)).size).toBe(1);
    // Five confirmations at once with their own keys: still one payout, the rest refused.
    const racing = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call('payouts.create', { amount: eur, currency: 'eur' }, { idempotencyKey: `race-${i}` }),
      ),
    );
    expect(racing.every((r) => r.status === 400 && r.error?.code === 'balance_insufficient')).toBe(
      true,
    );
    const payouts = await query<{ amount: bigint }>(
      db.current.pool,
      `SELECT amount FROM payouts WHERE merchant_id = $1`,
      [shop.merchantId],
    );
    expect(payouts).toEqual([{ amount: BigInt(eur) }]);

    const payout = same[0]?.body as { id: string; amount: number };
    const fetched = await call<Record<string, unknown>>(
      'payouts.retrieve',
      { id: payout.id },
      { query: true },
    );
    expect(fetched.body).toMatchObject({
      id: payout.id,
      object: 'payout',
      amount: eur,
      currency: 'eur',
      status: 'pending',
      automatic: false,
      arrival_date: '2026-04-09',
      livemode: false,
    });
    const contents = await call<{ data: Array<{ type: string; net: number }> }>(
      'balanceTransactions.list',
      { payout: payout.id },
      { query: true },
    );
    expect(contents.body.data.map((b) => b.type).sort()).toEqual(['charge', 'charge', 'payout']);
    expect(contents.body.data.reduce((sum, b) => sum + b.net, 0)).toBe(0);
    expect((await verifySettlement(db.current.pool)).problems).toEqual([]);

    // Another merchant sees none of it.
    const stranger = client(base, other.secretKey);
    const foreign = await stranger('payouts.retrieve', { id: payout.id }, { query: true });
    expect(foreign.status).toBe(404);
    expect(foreign.error?.code).toBe('resource_missing');
    const foreignList = await stranger<{ data: unknown[] }>(
      'balanceTransactions.list',
      {},
      { query: true },
    );
    expect(foreignList.body.data).toEqual([]);
  });

  it('lists balance transactions by type, source, currency and available_on, and refuses bad filters', async () => {
    const call = client(base, other.secretKey);
    const pi = await pay(other.secretKey, other.publishableKey, 2_000, 'usd');
    await call('refunds.create', { payment_intent: pi, amount: 500 });
    await settle('2026-04-09');
    const charges = await call<{ data: Array<{ source: string; available_on: string }> }>(
      'balanceTransactions.list',
      { type: 'charge', currency: 'usd' },
      { query: true },
    );
    expect(charges.body.data.map((b) => b.source)).toEqual([pi]);
    const bySource = await call<{ data: Array<{ type: string }> }>(
      'balanceTransactions.list',
      { source: pi },
      { query: true },
    );
    expect(bySource.body.data.map((b) => b.type)).toEqual(['charge']);
    const day = charges.body.data[0]?.available_on as string;
    const onDay = await call<{ data: unknown[] }>(
      'balanceTransactions.list',
      { available_on: { gte: day, lte: day } },
      { query: true },
    );
    expect(onDay.body.data).toHaveLength(2);
    const bad = await call(
      'balanceTransactions.list',
      { available_on: { gte: '2026-02-30' } },
      { query: true },
    );
    expect(bad.status).toBe(400);
    expect(bad.error?.param).toBe('available_on.gte');
    const badType = await call('balanceTransactions.list', { type: 'gift' }, { query: true });
    expect(badType.error?.param).toBe('type');
    const missing = await call(
      'balanceTransactions.retrieve',
      { id: 'txn_000000000000000000000000' },
      { query: true },
    );
    expect(missing.status).toBe(404);
  });
});
