import { query, withTransaction } from '@kassa/db';
import { Kassa } from '@kassa/sdk';
import { addBankAccount, verifySettlement } from '@kassa/settlement';
import { client, newMerchant, testCard, testVault, useSettlementPlatform } from '@kassa/testing';
import { describe, expect, it } from 'vitest';
import { eventually } from './receiver.ts';

// Settlement end to end, with real processes: the API, the acquirer simulator (acquirer and
// bank) and the settlement worker, each on a clock the test moves through a week of February
// 2026. Three merchants in three currencies take payments, captures and refunds for three days;
// the worker closes each day at midnight (reconciling the acquirer's report and the bank's
// statement first), pays out, and one payout fails at the bank. Then the books agree everywhere
// and the files reconcile with no exception; a last day with a fault of each kind injected into
// the acquirer's report gives exactly those exceptions.

const START = new Date('2026-02-02T08:00:00Z'); // a Monday
const { db, env, worker, clocksAt } = useSettlementPlatform(START, { bank_settle_delay_ms: 0 });

const day = (n: number) => new Date(START.getTime() + n * 86_400_000).toISOString().slice(0, 10);
const at = (n: number, time: string) => new Date(`${day(n)}T${time}Z`);

describe('settlement end to end', () => {
  it('a week of payments settles, pays out and reconciles; injected faults are exactly the exceptions', async () => {
    const shops = [env.merchant, await newMerchant(db.current), await newMerchant(db.current)];
    const [a, b, c] = shops.map((shop) => ({
      shop,
      kassa: new Kassa(shop.secretKey, { baseUrl: env.base, maxNetworkRetries: 0 }),
      browser: client(env.base, shop.publishableKey),
    })) as [Merchant, Merchant, Merchant];
    type Merchant = {
      shop: (typeof shops)[number];
      kassa: Kassa;
      browser: ReturnType<typeof client>;
    };
    const account = (m: Merchant, currency: string, number: string) =>
      withTransaction(db.current.pool, (tx) =>
        addBankAccount(
          tx,
          { merchantId: m.shop.merchantId, livemode: false },
          {
            currency,
            country: 'US',
            account_holder_name: 'Shop',
            account_number: number,
            default_for_currency: true,
          },
          { vault: testVault(), clock: { now: () => new Date() } },
        ),
      );
    await account(a, 'eur', '000123456789');
    await account(a, 'usd', '000123456789');
    await account(b, 'eur', '000111111113'); // closed: its first payout fails
    await account(c, 'jpy', '000123456789');

    const pay = async (m: Merchant, amount: number, currency: string, manual = false) => {
      const payment = await m.kassa.paymentIntents.create({
        amount,
        currency,
        ...(manual && { capture_method: 'manual' as const }),
      });
      const confirmed = await m.browser<{ status: string }>('checkout.paymentIntents.confirm', {
        client_secret: payment.client_secret,
        payment_method_data: testCard(undefined, START),
      });
      expect(confirmed.body.status).toBe(manual ? 'requires_capture' : 'succeeded');
      return payment.id;
    };

    // Days 0–2: payments, a manual capture a day later, refunds.
    const held: string[] = [];
    for (const n of [0, 1, 2]) {
      await clocksAt(at(n, '10:00:00'));
      const paid = [
        await pay(a, 10_000 + n * 100, 'eur'),
        await pay(a, 4_000, 'usd'),
        await pay(b, 7_500, 'eur'),
        await pay(c, 12_000, 'jpy'),
      ];
      for (const id of held.splice(0))
        await a.kassa.paymentIntents.capture(id, { amount_to_capture: 1_500 });
      held.push(await pay(a, 2_000, 'eur', true));
      if (n > 0) {
        await a.kassa.refunds.create({ payment_intent: paid[0] as string, amount: 500 });
        await c.kassa.refunds.create({ payment_intent: paid[3] as string });
      }
      // Midnight: the worker closes the day.
      await clocksAt(at(n + 1, '00:00:05'));
    }
    // The rest of the week: days close, payouts go out and are paid (or fail), files reconcile.
    for (const n of [3, 4, 5]) {
      if (n === 4) await account(b, 'eur', '000123456789'); // B replaces its closed account
      await clocksAt(at(n, '12:00:00'));
      await clocksAt(at(n + 1, '00:00:05'));
      await eventually(async () => {
        const inFlight = await query(
          db.current.pool,
          `SELECT 1 FROM payouts WHERE status IN ('pending', 'in_transit')`,
        );
        return inFlight.length === 0;
      });
    }
    // Day 6 closes after the last payouts were paid on day 6: their bank lines reconcile.
    await clocksAt(at(6, '12:00:00'));
    await clocksAt(at(7, '00:00:05'));

    // The books agree: every merchant's available balance (ledger) = its available balance
    // transactions; pending likewise; every payout = its transactions.
    const books = await verifySettlement(db.current.pool);
    expect(books.problems).toEqual([]);
    expect(books.payouts).toBeGreaterThanOrEqual(6);
    for (const m of [a, b, c]) {
      const balance = await m.kassa.balance.retrieve();
      const txns = [];
      for await (const txn of m.kassa.balanceTransactions.list({ limit: 100 })) txns.push(txn);
      for (const line of balance.available) {
        const sum = txns
          .filter((t) => t.currency === line.currency && t.status === 'available')
          .reduce((total, t) => total + t.net, 0);
        expect(sum, `${m.shop.merchantId} ${line.currency}`).toBe(line.amount);
      }
      for await (const payout of m.kassa.payouts.list({ limit: 100 })) {
        if (payout.status === 'failed') continue;
        expect(payout.status).toBe('paid');
        const contents = await m.kassa.balanceTransactions.list({ payout: payout.id, limit: 100 });
        expect(contents.data.reduce((total, t) => total + t.net, 0)).toBe(0);
      }
    }
    // B's first payout failed at the bank; its funds came back and went out with the next one.
    const bPayouts = (await b.kassa.payouts.list({ limit: 100 })).data;
    const failed = bPayouts.filter((p) => p.status === 'failed');
    expect(failed.map((p) => p.failure_code)).toEqual(['account_closed']);
    const returned = await b.kassa.balanceTransactions.list({ type: 'payout_failure' });
    expect(returned.data.map((t) => [t.net, t.status])).toEqual([[failed[0]?.amount, 'available']]);
    expect(returned.data[0]?.payout).not.toBeNull();

    // The files of every day reconcile, with no exception.
    const runs = await query<{ source: string; day: string; lines: number; matched: number }>(
      db.current.pool,
      `SELECT source::text AS source, day::text AS day, lines, matched FROM reconciliation_runs
        WHERE day >= $1::date ORDER BY day, source`,
      [day(0)],
    );
    expect(runs.map((r) => `${r.day} ${r.source}`)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].flatMap((n) => [
        `${day(n)} acquirer_report`,
        `${day(n)} bank_statement`,
      ]),
    );
    for (const run of runs) expect(run.matched, `${run.day} ${run.source}`).toBe(run.lines);
    const linesOf = (source: string) =>
      runs.filter((r) => r.source === source).reduce((sum, r) => sum + r.lines, 0);
    // The acquirer: 4 sales a day, and from the second day a capture and 2 refunds.
    expect(linesOf('acquirer_report')).toBe(4 + 7 + 7);
    // The bank: the acquirer's settlement of each of the 3 days in each of the 3 currencies, and
    // every payout paid.
    const paid = await query(db.current.pool, `SELECT 1 FROM payouts WHERE status = 'paid'`);
    expect(linesOf('bank_statement')).toBe(9 + paid.length);
    const exceptions = await query(
      db.current.pool,
      `SELECT kind, reference FROM reconciliation_exceptions`,
    );
    expect(exceptions).toEqual([]);

    // Day 7: a fault of each kind in the acquirer's report.
    await clocksAt(at(7, '10:00:00'));
    const missing = await pay(a, 3_000, 'eur');
    const wrong = await pay(a, 3_100, 'eur');
    const twice = await pay(a, 3_200, 'eur');
    await env.acquirer.control({
      inject: [
        { file: 'settlement', kind: 'missing', reference: missing },
        { file: 'settlement', kind: 'wrong_amount', reference: wrong, delta: 5 },
        { file: 'settlement', kind: 'duplicate', reference: twice },
      ],
    });
    await clocksAt(at(8, '00:00:05'));
    await env.acquirer.control({ inject: [] });
    const found = (await a.kassa.reconciliationExceptions.list({ limit: 100 })).data;
    expect(
      found.map((e) => [e.kind, e.reference, e.expected_amount, e.actual_amount]).sort(),
    ).toEqual(
      [
        ['amount_mismatch', wrong, 3_100, 3_105],
        ['duplicate_line', twice, null, 3_200],
        ['missing_line', missing, 3_000, null],
      ].sort(),
    );
    expect((await query(db.current.pool, `SELECT 1 FROM reconciliation_exceptions`)).length).toBe(
      3,
    );
    const resolved = await a.kassa.reconciliationExceptions.resolve(found[0]?.id as string, {
      note: 'Confirmed with the acquirer: their report is corrected tomorrow',
    });
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolution?.resolved_by).toMatch(/^api_key:key_/);
    expect(worker.output()).not.toMatch(/"level":(50|60)/);
  }, 240_000);
});
