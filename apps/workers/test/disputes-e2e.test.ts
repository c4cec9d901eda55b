import { withTransaction } from '@kassa/db';
import { accountFor, balanceOf, getBalance } from '@kassa/ledger';
import { Kassa, type PaymentIntent } from '@kassa/sdk';
import { verifySettlement } from '@kassa/settlement';
import { client, testCard, useSettlementPlatform } from '@kassa/testing';
import { describe, expect, it } from 'vitest';
import { eventually } from './receiver.ts';

// Disputes end to end, with real processes: the acquirer simulator opens disputes for its
// dispute test cards and decides them once evidence is submitted; the API's background sync
// brings each change into Kassa (ledger entries, events); the settlement worker projects the
// balance transactions from the bus. After each step the merchant's pending balance in the
// ledger equals the sum of its pending balance transactions. Every clock is stopped on one day
// the test then closes: the acquirer's report of it (chargebacks and a reversal among the
// captures) and the bank's statement of the next reconcile with no exception, and the acquirer
// owes the platform nothing more.

const START = new Date('2026-03-02T09:00:00Z');
// Decided as soon as evidence is submitted (the simulator's default waits 10 s).
const { db, env, worker, clocksAt } = useSettlementPlatform(START, {
  dispute_decision_delay_ms: 0,
  bank_settle_delay_ms: 0,
});

/** A tiny but real PDF, as a merchant's receipt. */
const RECEIPT = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

describe('disputes end to end', () => {
  it('opens, answers and decides disputes; the ledger and the balance transactions agree after each', {
    timeout: 180_000,
  }, async () => {
    const merchant = env.merchant;
    const kassa = new Kassa(merchant.secretKey, { baseUrl: env.base, maxNetworkRetries: 0 });
    const browser = client(env.base, merchant.publishableKey);
    const pay = async (number: string, amount: number) => {
      const created = await kassa.paymentIntents.create({ amount, currency: 'eur' });
      const confirmed = await browser<PaymentIntent>('checkout.paymentIntents.confirm', {
        client_secret: created.client_secret,
        payment_method_data: testCard(number, START),
      });
      expect(confirmed.body.status).toBe('succeeded');
      return created.id;
    };
    const disputeOf = (payment: string, status?: string) =>
      eventually(async () => {
        const [dispute] = (await kassa.disputes.list({ payment_intent: payment })).data;
        return dispute && (!status || dispute.status === status) ? dispute : undefined;
      }, 20_000);
    /** The books agree: pending in the ledger = the pending balance transactions, all projected. */
    const booksAgree = async (expectedTransactions: number) => {
      const transactions = await eventually(async () => {
        const all = [];
        for await (const t of kassa.balanceTransactions.list({ limit: 100 })) all.push(t);
        return all.length === expectedTransactions ? all : undefined;
      }, 20_000);
      const balance = await kassa.balance.retrieve();
      const pending = balance.pending.find((p) => p.currency === 'eur')?.amount ?? 0;
      expect(transactions.reduce((sum, t) => sum + t.net, 0)).toBe(pending);
      const report = await verifySettlement(db.current.pool);
      expect(report.problems).toEqual([]);
      return transactions;
    };

    // Won: the amount and the fee are withdrawn, evidence is submitted, the amount comes back.
    const wonPayment = await pay('4000000000000259', 10_000);
    const opened = await disputeOf(wonPayment);
    expect(opened).toMatchObject({
      amount: 10_000,
      currency: 'eur',
      reason: 'fraudulent',
      status: 'needs_response',
      fee: 1_500,
      evidence_details: { has_evidence: false, past_due: false, submission_count: 0 },
    });
    let transactions = await booksAgree(2); // the charge, the dispute
    expect(transactions.find((t) => t.type === 'dispute')).toMatchObject({
      amount: -10_000,
      fee: 1_500,
      net: -11_500,
      source: opened.id,
    });
    const receipt = await kassa.files.create({
      purpose: 'dispute_evidence',
      filename: 'receipt.pdf',
      content: RECEIPT,
    });
    expect(receipt).toMatchObject({ type: 'application/pdf', size: RECEIPT.length });
    const saved = await kassa.disputes.update(opened.id, {
      evidence: { uncategorized_text: 'Delivered and signed for.', receipt: receipt.id },
    });
    expect(saved).toMatchObject({
      status: 'needs_response',
      evidence_details: { has_evidence: true },
    });
    const submitted = await kassa.disputes.update(opened.id, { submit: true });
    expect(submitted.status).toBe('under_review');
    expect(submitted.evidence).toEqual({
      uncategorized_text: 'Delivered and signed for.',
      receipt: receipt.id,
    });
    const won = await disputeOf(wonPayment, 'won');
    expect(won.evidence_details.submission_count).toBe(1);
    transactions = await booksAgree(3);
    expect(
      transactions
        .filter((t) => t.type === 'dispute')
        .map((t) => t.amount)
        .sort(),
    ).toEqual([-10_000, 10_000]);

    // Lost after evidence: nothing comes back. Accepted: lost at once.
    const lostPayment = await pay('4000000000002685', 4_000);
    const lost = await disputeOf(lostPayment);
    await kassa.disputes.update(lost.id, {
      evidence: { product_description: 'Espresso beans, 1 kg' },
      submit: true,
    });
    expect((await disputeOf(lostPayment, 'lost')).reason).toBe('product_not_received');
    const acceptedPayment = await pay('4000000000002685', 2_500);
    const accepted = await kassa.disputes.close((await disputeOf(acceptedPayment)).id);
    expect(accepted.status).toBe('lost');
    transactions = await booksAgree(7); // + 2 charges, 2 disputes
    // A closed dispute takes no more evidence.
    const late = await client(env.base, merchant.secretKey)('disputes.update', {
      id: accepted.id,
      submit: true,
    });
    expect(late.error).toMatchObject({ code: 'dispute_closed' });

    // An inquiry moves no money; answered, it is closed.
    const inquiryPayment = await pay('4000000000001976', 3_000);
    const inquiry = await disputeOf(inquiryPayment);
    expect(inquiry).toMatchObject({ status: 'warning_needs_response', fee: 0 });
    await kassa.disputes.update(inquiry.id, {
      evidence: { customer_name: 'Ada Lovelace' },
      submit: true,
    });
    await disputeOf(inquiryPayment, 'warning_closed');
    await booksAgree(8); // + its charge only

    // Every step is an event.
    const events = [];
    for await (const event of kassa.events.list({ type: 'charge.dispute.*', limit: 100 }))
      events.push(event.type);
    expect(events.filter((t) => t === 'charge.dispute.created')).toHaveLength(4);
    expect(events.filter((t) => t === 'charge.dispute.funds_withdrawn')).toHaveLength(3);
    expect(events.filter((t) => t === 'charge.dispute.funds_reinstated')).toHaveLength(1);
    expect(events.filter((t) => t === 'charge.dispute.closed')).toHaveLength(4);

    // The day closes: the worker reconciles the acquirer's report of it. Its chargebacks and the
    // reversal match the disputes' balance transactions as its captures match the charges.
    const day = START.toISOString().slice(0, 10);
    const next = new Date(START.getTime() + 86_400_000).toISOString().slice(0, 10);
    await clocksAt(new Date(`${next}T00:00:05Z`));
    const runs = async () =>
      (
        await db.current.pool.query<{
          source: string;
          day: string;
          lines: number;
          matched: number;
          exceptions: number;
          totals: Record<string, { external: string; internal: string }>;
        }>(
          `SELECT source::text AS source, day::text AS day, lines, matched, exceptions, totals
             FROM reconciliation_runs ORDER BY day, source`,
        )
      ).rows;
    const kinds = (
      await db.current.pool.query<{ kind: string; n: number }>(
        `SELECT kind, count(*)::int AS n FROM reconciliation_items GROUP BY kind ORDER BY kind`,
      )
    ).rows;
    expect(kinds).toEqual([
      { kind: 'capture', n: 4 },
      { kind: 'chargeback', n: 3 },
      { kind: 'chargeback_reversal', n: 1 },
    ]);
    // 19,500 captured less 1% (195), 16,500 charged back with 3 × 10.00 of chargeback fees,
    // 10,000 reversed.
    const settled = 19_500 - 195 - 16_500 - 3 * 1_000 + 10_000;
    expect(
      (await runs()).find((r) => r.source === 'acquirer_report' && r.day === day),
    ).toMatchObject({
      day,
      lines: 8,
      matched: 8,
      exceptions: 0,
      totals: { EUR: { external: String(settled), internal: String(settled) } },
    });
    // Settled: the acquirer owes the platform nothing for the day, disputes included.
    const receivable = await withTransaction(db.current.pool, (tx) =>
      accountFor(tx, 'acquirer_receivable', 'EUR', undefined, false),
    );
    expect(balanceOf(receivable, await getBalance(db.current.pool, receivable.id)).posted).toBe(0n);
    // The next day closes: the bank's statement credits that settlement, and it matches.
    await clocksAt(new Date(`${next}T12:00:00Z`));
    await clocksAt(new Date(new Date(`${next}T00:00:05Z`).getTime() + 86_400_000));
    expect((await runs()).filter((r) => r.source === 'bank_statement' && r.day === next)).toEqual([
      expect.objectContaining({ day: next, lines: 1, matched: 1, exceptions: 0 }),
    ]);
    expect(
      (await db.current.pool.query(`SELECT 1 FROM reconciliation_exceptions`)).rows,
    ).toHaveLength(0);
    expect((await verifySettlement(db.current.pool)).problems).toEqual([]);
    expect(worker.output()).not.toMatch(/"level":(50|60)/);
  });
});
