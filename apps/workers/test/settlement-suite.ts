import { ManualClock } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import type { BalanceTransaction } from '@kassa/sdk';
import { addBankAccount, DEFAULT_CALENDAR, endOf, verifySettlement } from '@kassa/settlement';
import { testCard, testVault } from '@kassa/testing';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { startSettlementWorker } from '../src/settlement/index.ts';
import { type BusTransport, useWebhooksHarness } from './harness.ts';
import { eventually } from './receiver.ts';

/**
 * The settlement worker against the real API process and acquirer simulator, on one bus: it
 * turns captures and refunds into balance transactions as they happen (consuming the bus as the
 * group `settlement`), closes the day they come due, pays out, and its books agree with the
 * ledger's. The API dates entries by its own (system) clock; the worker's clock is moved to the
 * end of the day the funds come due, whatever today is.
 */
export function settlementSuite(transport: BusTransport) {
  const { db, env, kassa, browser, newBus, cleanups, describeOn } = useWebhooksHarness(transport);

  describeOn(`settlement worker (${transport} bus)`, () => {
    it('books captures and refunds as balance transactions, closes the day they come due, and pays out', async () => {
      const k = kassa();
      for (const currency of ['eur', 'usd'])
        await withTransaction(db.current.pool, (tx) =>
          addBankAccount(
            tx,
            { merchantId: env.merchant.merchantId, livemode: false },
            {
              currency,
              country: 'US',
              account_holder_name: 'Test merchant',
              account_number: '000123456789',
            },
            { vault: testVault(), clock: { now: () => new Date() } },
          ),
        );
      const pay = async (amount: number, currency: string) => {
        const payment = await k.paymentIntents.create({ amount, currency });
        await browser('checkout.paymentIntents.confirm', {
          client_secret: payment.client_secret,
          payment_method_data: testCard(),
        });
        return payment.id;
      };
      const eur = [await pay(10_000, 'eur'), await pay(2_500, 'eur')];
      const usd = await pay(4_000, 'usd');
      const manual = await k.paymentIntents.create({
        amount: 3_000,
        currency: 'eur',
        capture_method: 'manual',
      });
      await browser('checkout.paymentIntents.confirm', {
        client_secret: manual.client_secret,
        payment_method_data: testCard(),
      });
      // Authorized only: no money moved yet, so no balance transaction until the capture.
      await k.paymentIntents.capture(manual.id, { amount_to_capture: 2_000 });
      const refund = await k.refunds.create({ payment_intent: eur[0] as string, amount: 1_000 });

      const clock = new ManualClock(Date.now());
      const bus = newBus();
      cleanups.push(() => bus.close());
      const worker = await startSettlementWorker({
        pool: db.current.pool,
        bus,
        clock,
        calendar: DEFAULT_CALENDAR,
        log: pino({ level: 'silent' }),
        health: { host: '127.0.0.1', port: 0 },
        schedule: false,
      });
      cleanups.push(() => worker.stop());

      // The worker projects them from the bus (nothing closes a day yet).
      const pending = await eventually(async () => {
        const list = await k.balanceTransactions.list({ limit: 100 });
        return list.data.length === 5 && list.data;
      });
      const bySource = (source: string) =>
        pending.find((b) => b.source === source) as BalanceTransaction;
      expect(bySource(eur[0] as string)).toMatchObject({
        type: 'charge',
        amount: 10_000,
        currency: 'eur',
        status: 'pending',
        payout: null,
      });
      expect(bySource(manual.id)).toMatchObject({ type: 'charge', amount: 2_000 });
      expect(bySource(refund.id)).toMatchObject({
        type: 'refund',
        amount: -1_000,
        fee: 0,
        net: -1_000,
      });
      expect(bySource(usd)).toMatchObject({ type: 'charge', amount: 4_000, currency: 'usd' });
      for (const txn of pending) {
        expect(txn.net).toBe(txn.amount - txn.fee);
        if (txn.type === 'charge') expect(txn.fee).toBeGreaterThan(0);
        expect(await k.balanceTransactions.retrieve(txn.id)).toEqual(txn);
      }
      const balanceBefore = await k.balance.retrieve();
      const pendingOf = (currency: string) =>
        pending.filter((b) => b.currency === currency).reduce((sum, b) => sum + b.net, 0);
      expect(balanceBefore.pending).toEqual(
        expect.arrayContaining([
          { amount: pendingOf('eur'), currency: 'eur' },
          { amount: pendingOf('usd'), currency: 'usd' },
        ]),
      );

      // The end of the day they come due (the latest, should the payments have straddled midnight).
      const due = pending
        .map((b) => b.available_on)
        .sort()
        .at(-1) as string;
      clock.set(endOf(due, DEFAULT_CALENDAR));
      const [closed, ...more] = await worker.closeNow();
      expect(more).toEqual([]);
      expect(closed?.day).toBe(due);

      const payouts = await k.payouts.list({ limit: 10 });
      expect(payouts.data.map((p) => [p.currency, p.amount, p.status, p.automatic]).sort()).toEqual(
        [
          ['eur', pendingOf('eur'), 'pending', true],
          ['usd', pendingOf('usd'), 'pending', true],
        ],
      );
      for (const payout of payouts.data) {
        expect(await k.payouts.retrieve(payout.id)).toEqual(payout);
        const contents = await k.balanceTransactions.list({ payout: payout.id, limit: 100 });
        expect(contents.data.reduce((sum, b) => sum + b.net, 0)).toBe(0);
        expect(contents.data.find((b) => b.type === 'payout')).toMatchObject({
          id: payout.balance_transaction,
          amount: -payout.amount,
          status: 'available',
        });
      }
      const balanceAfter = await k.balance.retrieve();
      expect(balanceAfter.available.every((line) => line.amount === 0)).toBe(true);
      expect(balanceAfter.pending.every((line) => line.amount === 0)).toBe(true);
      expect((await verifySettlement(db.current.pool)).problems).toEqual([]);

      const ready = await fetch(`${worker.healthUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', last_closed_day: due });
      // Closing again changes nothing.
      expect(await worker.closeNow()).toEqual([]);
      expect((await k.payouts.list({ limit: 10 })).data).toHaveLength(2);
    });
  });
}
