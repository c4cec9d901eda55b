import { ManualClock, newId } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import { createTestDatabase, type TestDatabase } from '@kassa/db/testing';
import { authorize, capture, refund, release, sale } from '@kassa/ledger';
import { KassaApiError } from '@kassa/payments';
import { testVault } from '@kassa/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addBankAccount,
  catchUp,
  closeDay,
  createManualPayout,
  DEFAULT_CALENDAR,
  dayOf,
  endOf,
  isPayoutDay,
  lastEndedDay,
  listBalanceTransactions,
  projectBalanceTransactions,
  type SettlementContext,
  SettlementError,
  updatePayoutSchedule,
} from '../src/index.ts';
import { assertBooksAgree } from './books.ts';

const at = (iso: string) => new Date(iso);

// A database of its own for each test: a close works on every merchant, so tests must not see
// each other's money.
const db = { current: undefined as unknown as TestDatabase };
let clock: ManualClock;
let ctx: SettlementContext;
beforeEach(async () => {
  db.current = await createTestDatabase();
  clock = new ManualClock(at('2026-03-02T10:00:00Z')); // a Monday
  ctx = { pool: db.current.pool, clock, calendar: DEFAULT_CALENDAR, actor: 'test' };
});
afterEach(async () => {
  await db.current.drop();
});

const tx = <T>(work: Parameters<typeof withTransaction<T>>[1]) =>
  withTransaction(db.current.pool, work);

/** A card sale of `amount` with a platform fee, booked as the payments API books it, at `when`. */
async function charge(
  merchantId: string,
  amount: bigint,
  when: string,
  p: { currency?: string; livemode?: boolean; fee?: bigint } = {},
) {
  const reference = newId('paymentIntent');
  await tx((t) =>
    sale(
      t,
      {
        merchantId,
        currency: p.currency ?? 'USD',
        amount,
        fee: p.fee ?? 30n,
        livemode: p.livemode ?? true,
      },
      { reference, occurredAt: at(when) },
    ),
  );
  return reference;
}

/** A bank account for `merchantId`'s payouts in `currency` (the default for it). */
async function bankAccount(merchantId: string, p: { currency?: string; livemode?: boolean } = {}) {
  return tx((t) =>
    addBankAccount(
      t,
      { merchantId, livemode: p.livemode ?? true },
      {
        currency: (p.currency ?? 'USD').toLowerCase(),
        country: 'US',
        account_holder_name: 'Test merchant',
        routing_number: '110000000',
        account_number: '000123456789',
      },
      { vault: testVault(), clock },
    ),
  );
}

async function refundOf(
  merchantId: string,
  amount: bigint,
  when: string,
  p: { currency?: string; livemode?: boolean } = {},
) {
  await tx((t) =>
    refund(
      t,
      { merchantId, currency: p.currency ?? 'USD', amount, livemode: p.livemode ?? true },
      { reference: newId('refund'), occurredAt: at(when) },
    ),
  );
}

async function closeAt(day: string) {
  clock.set(endOf(day, ctx.calendar));
  return closeDay(ctx, day);
}

async function counts() {
  const [row] = await query<{ payouts: bigint; entries: bigint; closes: bigint }>(
    db.current.pool,
    `SELECT (SELECT count(*) FROM payouts)::bigint AS payouts,
            (SELECT count(*) FROM ledger_entries)::bigint AS entries,
            (SELECT count(*) FROM settlement_closes)::bigint AS closes`,
  );
  return row;
}

describe('settlement days', () => {
  it('puts an instant in its day by the cutoff, and ends the day there', () => {
    const evening = { cutoffMinutes: 18 * 60 };
    expect(dayOf(at('2026-12-01T17:59:59Z'), evening)).toBe('2026-12-01');
    expect(dayOf(at('2026-12-01T18:00:00Z'), evening)).toBe('2026-12-02');
    expect(endOf('2026-12-02', evening).toISOString()).toBe('2026-12-02T18:00:00.000Z');
    expect(dayOf(at('2026-12-01T23:59:59Z'), DEFAULT_CALENDAR)).toBe('2026-12-01');
    expect(endOf('2026-12-01', DEFAULT_CALENDAR).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(lastEndedDay(at('2026-12-02T00:00:00Z'), DEFAULT_CALENDAR)).toBe('2026-12-01');
    expect(lastEndedDay(at('2026-12-02T17:00:00Z'), evening)).toBe('2026-12-01');
  });

  it('knows payout days: weekly by weekday, monthly clamped to the month', () => {
    const weekly = { interval: 'weekly', weekly_anchor: 5, monthly_anchor: null, delay_days: 2 };
    expect(isPayoutDay(weekly as never, '2026-03-06')).toBe(true); // a Friday
    expect(isPayoutDay(weekly as never, '2026-03-05')).toBe(false);
    const monthly = { interval: 'monthly', weekly_anchor: null, monthly_anchor: 31, delay_days: 2 };
    expect(isPayoutDay(monthly as never, '2026-02-28')).toBe(true);
    expect(isPayoutDay(monthly as never, '2026-03-30')).toBe(false);
    expect(isPayoutDay(monthly as never, '2026-03-31')).toBe(true);
  });
});

describe('balance transactions', () => {
  it('are one per money movement: a sale and a refund, not an authorization or its release', async () => {
    const m = newId('merchant');
    const pi = await charge(m, 10_000n, '2026-03-02T09:00:00Z', { fee: 320n });
    const hold = await tx((t) =>
      authorize(
        t,
        { merchantId: m, currency: 'USD', amount: 5_000n, livemode: true },
        { reference: 'pi_held', occurredAt: at('2026-03-02T09:10:00Z') },
      ),
    );
    await tx((t) => release(t, { holdId: hold.holdId, merchantId: m }, { reference: 'pi_held' }));
    const held = await tx((t) =>
      authorize(
        t,
        { merchantId: m, currency: 'USD', amount: 2_000n, livemode: true },
        { reference: 'pi_captured', occurredAt: at('2026-03-02T09:20:00Z') },
      ),
    );
    await tx((t) =>
      capture(
        t,
        {
          merchantId: m,
          currency: 'USD',
          amount: 1_500n,
          fee: 74n,
          livemode: true,
          holdId: held.holdId,
        },
        { reference: 'pi_captured', occurredAt: at('2026-03-02T09:30:00Z') },
      ),
    );
    await refundOf(m, 4_000n, '2026-03-02T11:00:00Z');
    const entries = await query<{ id: string }>(db.current.pool, `SELECT id FROM ledger_entries`);
    const ids = entries.map((e) => e.id);
    expect(await tx((t) => projectBalanceTransactions(t, { entryIds: ids }, ctx))).toBe(3);
    // Again: nothing new (one per entry).
    expect(await tx((t) => projectBalanceTransactions(t, { entryIds: ids }, ctx))).toBe(0);
    const list = await listBalanceTransactions(
      db.current.pool,
      { merchantId: m, livemode: true },
      { limit: 10 },
    );
    expect(
      list.data.map((b) => [b.type, b.amount, b.fee, b.net, b.status, b.available_on, b.source]),
    ).toEqual([
      ['refund', -4_000, 0, -4_000, 'pending', '2026-03-04', expect.stringMatching(/^re_/)],
      ['charge', 1_500, 74, 1_426, 'pending', '2026-03-04', 'pi_captured'],
      ['charge', 10_000, 320, 9_680, 'pending', '2026-03-04', pi],
    ]);
    expect(list.data[2]?.fee_details).toEqual([
      { type: 'kassa_fee', amount: 320, currency: 'usd', description: 'Kassa processing fee' },
    ]);
    // Another merchant sees none of them.
    const other = await listBalanceTransactions(
      db.current.pool,
      { merchantId: newId('merchant'), livemode: true },
      { limit: 10 },
    );
    expect(other.data).toEqual([]);
  });
});

describe('the daily close', () => {
  it('makes funds available after the delay, pays them out, and agrees with the ledger', async () => {
    const a = newId('merchant');
    const b = newId('merchant');
    await bankAccount(a);
    await bankAccount(b, { currency: 'EUR', livemode: false });
    await charge(a, 10_000n, '2026-03-02T09:00:00Z');
    await charge(a, 5_000n, '2026-03-02T15:00:00Z');
    await charge(b, 7_000n, '2026-03-02T12:00:00Z', { currency: 'EUR', livemode: false });
    await refundOf(a, 2_000n, '2026-03-03T08:00:00Z');
    await charge(a, 1_000n, '2026-03-04T08:00:00Z');

    for (const day of ['2026-03-02', '2026-03-03']) {
      const closed = await closeAt(day);
      expect(closed.units.every((u) => u.madeAvailable === 0n && u.payoutId === null)).toBe(true);
      await assertBooksAgree(db.current.pool);
    }
    const day4 = await closeAt('2026-03-04');
    expect(
      day4.units.map((u) => [u.currency, u.livemode, u.madeAvailable, u.payoutAmount]),
    ).toEqual(
      expect.arrayContaining([
        ['USD', true, 14_940n, 14_940n],
        ['EUR', false, 6_970n, 6_970n],
      ]),
    );
    expect(await assertBooksAgree(db.current.pool)).toEqual({ accounts: 4, payouts: 2 });
    const day5 = await closeAt('2026-03-05');
    // The refund of the 3rd is due: alone it nets negative, so it stays pending (carried over).
    expect(day5.units.map((u) => [u.carriedOver, u.payoutAmount])).toEqual([[-2_000n, 0n]]);
    const after5 = await assertBooksAgree(db.current.pool);
    expect(after5.payouts).toBe(2);
    const day6 = await closeAt('2026-03-06');
    // The refund of the 3rd (due the 5th) netted against nothing: it was carried over on the 5th
    // and now nets against the 4th's charge (due the 6th): 970 − 2,000 < 0, still carried.
    expect(day6.units.map((u) => [u.carriedOver, u.payoutAmount])).toEqual([[-1_030n, 0n]]);
    await charge(a, 3_000n, '2026-03-05T08:00:00Z');
    const day7 = await closeAt('2026-03-07');
    expect(day7.units.map((u) => [u.madeAvailable, u.transactions, u.payoutAmount])).toEqual([
      [1_940n, 3, 1_940n],
    ]);
    expect(await assertBooksAgree(db.current.pool)).toEqual({ accounts: 4, payouts: 3 });
  });

  it('closes a day once, however often and however concurrently it runs', async () => {
    const merchants = [newId('merchant'), newId('merchant'), newId('merchant')];
    for (const [i, m] of merchants.entries()) {
      await bankAccount(m);
      await bankAccount(m, { currency: 'JPY' });
      await charge(m, BigInt(1_000 * (i + 1)), '2026-03-02T09:00:00Z');
      await charge(m, 500n, '2026-03-02T10:00:00Z', { currency: 'JPY' });
    }
    clock.set(endOf('2026-03-04', ctx.calendar));
    const runs = await Promise.all([
      closeDay(ctx, '2026-03-04'),
      closeDay(ctx, '2026-03-04'),
      closeDay(ctx, '2026-03-04'),
    ]);
    const closedUnits = runs.flatMap((r) => r.units.filter((u) => u.closed));
    expect(closedUnits).toHaveLength(6);
    const before = await counts();
    expect(before?.payouts).toBe(6n);
    const again = await closeDay(ctx, '2026-03-04');
    expect(again.units).toEqual([]);
    expect(await counts()).toEqual(before);
    await assertBooksAgree(db.current.pool);
  });

  it('refuses a day that has not ended, and catches up missed days in order', async () => {
    const m = newId('merchant');
    await bankAccount(m);
    await charge(m, 10_000n, '2026-03-02T09:00:00Z');
    clock.set(at('2026-03-02T23:00:00Z'));
    await expect(closeDay(ctx, '2026-03-02')).rejects.toMatchObject({ code: 'day_not_ended' });
    await expect(closeDay(ctx, '2026-03-02')).rejects.toBeInstanceOf(SettlementError);

    clock.set(at('2026-03-03T00:00:01Z'));
    expect((await catchUp(ctx)).map((d) => d.day)).toEqual(['2026-03-02']);
    // Down for three days: it closes the three, oldest first, and pays on the day funds came due.
    clock.set(at('2026-03-06T06:00:00Z'));
    const days = await catchUp(ctx);
    expect(days.map((d) => d.day)).toEqual(['2026-03-03', '2026-03-04', '2026-03-05']);
    expect(days.map((d) => d.units.map((u) => u.payoutAmount))).toEqual([[], [9_970n], []]);
    expect(await catchUp(ctx)).toEqual([]);
    await assertBooksAgree(db.current.pool);
  });

  it('pays weekly on the anchor day, and not below the minimum', async () => {
    const m = newId('merchant');
    const owner = { merchantId: m, livemode: true };
    await bankAccount(m);
    await tx((t) =>
      updatePayoutSchedule(t, owner, {
        interval: 'weekly',
        weekly_anchor: 'friday',
        delay_days: 0,
        minimum_amounts: { usd: 5_000 },
      }),
    );
    await charge(m, 1_000n, '2026-03-02T09:00:00Z'); // Monday
    for (const day of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'])
      expect((await closeAt(day)).units.every((u) => u.payoutId === null)).toBe(true);
    // Friday, but 970 is below the minimum of 5,000: nothing is paid; it waits for next Friday.
    expect((await closeAt('2026-03-06')).units.map((u) => u.payoutAmount)).toEqual([0n]);
    await charge(m, 6_000n, '2026-03-10T09:00:00Z');
    for (const day of [
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
    ])
      await closeAt(day);
    expect((await closeAt('2026-03-13')).units.map((u) => u.payoutAmount)).toEqual([6_940n]);
    await assertBooksAgree(db.current.pool);
  });

  it('pays out by hand on the manual schedule, only the balance the caller confirmed', async () => {
    const m = newId('merchant');
    const owner = { merchantId: m, livemode: false };
    const services = { clock, calendar: ctx.calendar, eventMetadata: { actor: 'test' } };
    await charge(m, 10_000n, '2026-03-02T09:00:00Z', { livemode: false });
    const input = { amount: 9_970, currency: 'usd' };
    await expect(tx((t) => createManualPayout(t, owner, input, services))).rejects.toMatchObject({
      code: 'payout_schedule_automatic',
    });
    await tx((t) => updatePayoutSchedule(t, owner, { interval: 'manual' }));
    await expect(tx((t) => createManualPayout(t, owner, input, services))).rejects.toMatchObject({
      code: 'balance_insufficient',
    });
    await closeAt('2026-03-04');
    await expect(tx((t) => createManualPayout(t, owner, input, services))).rejects.toMatchObject({
      code: 'no_bank_account',
    });
    await bankAccount(m, { livemode: false });
    const wrong = await tx((t) =>
      createManualPayout(t, owner, { ...input, amount: 9_000 }, services),
    ).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(KassaApiError);
    expect(wrong).toMatchObject({ code: 'balance_changed', param: 'amount', status: 409 });
    const payout = await tx((t) => createManualPayout(t, owner, input, services));
    expect(payout).toMatchObject({
      amount: 9_970,
      currency: 'usd',
      status: 'pending',
      automatic: false,
      livemode: false,
    });
    await expect(tx((t) => createManualPayout(t, owner, input, services))).rejects.toMatchObject({
      code: 'balance_insufficient',
    });
    await assertBooksAgree(db.current.pool);
  });

  it('stops, changing nothing, when the balance transactions disagree with the ledger', async () => {
    const m = newId('merchant');
    await bankAccount(m);
    await charge(m, 10_000n, '2026-03-02T09:00:00Z');
    await closeAt('2026-03-03');
    // A transaction made available behind the ledger's back (as a bug would).
    await query(
      db.current.pool,
      `UPDATE balance_transactions SET status = 'available' WHERE merchant_id = $1`,
      [m],
    );
    const before = await counts();
    await expect(closeAt('2026-03-04')).rejects.toMatchObject({ code: 'balance_mismatch' });
    expect(await counts()).toEqual(before);
  });
});
