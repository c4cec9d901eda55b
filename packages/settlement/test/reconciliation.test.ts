import { ManualClock, newId } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import { createTestDatabase, type TestDatabase } from '@kassa/db/testing';
import {
  accountFor,
  balanceOf,
  disputeOpened,
  disputeWon,
  getBalance,
  refund,
  sale,
} from '@kassa/ledger';
import { KassaApiError } from '@kassa/payments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CALENDAR,
  listReconciliationExceptions,
  matchLines,
  reconcileFile,
  reconciliationReport,
  resolveReconciliationException,
} from '../src/index.ts';

// Reconciliation of the acquirer's settlement report and the bank's statement against Kassa's
// records: every line matched by the rules (data), the acquirer's settlement booked into the
// platform's cash, and each kind of difference an exception of its own, exactly.

const db = { current: undefined as unknown as TestDatabase };
const clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
beforeEach(async () => {
  db.current = await createTestDatabase();
});
afterEach(async () => {
  await db.current.drop();
});
const tx = <T>(work: Parameters<typeof withTransaction<T>>[1]) =>
  withTransaction(db.current.pool, work);

const m = 'mch_recon000000000000000000';

/** A payment captured on `day` (test mode), as the payments API books it. */
async function captured(day: string, amount: bigint) {
  const pi = newId('paymentIntent');
  await tx((t) =>
    sale(
      t,
      { merchantId: m, currency: 'EUR', amount, fee: 30n, livemode: false },
      { reference: pi, occurredAt: new Date(`${day}T10:00:00Z`) },
    ),
  );
  return pi;
}

async function refunded(day: string, pi: string, amount: bigint) {
  const re = newId('refund');
  const at = new Date(`${day}T11:00:00Z`);
  await query(
    db.current.pool,
    `INSERT INTO refunds (id, merchant_id, livemode, payment_intent_id, amount, currency, status, version, created_at, updated_at)
     VALUES ($1, $2, false, $3, $4, 'EUR', 'succeeded', 2, $5, $5)`,
    [re, m, pi, amount, at],
  );
  await tx((t) =>
    refund(
      t,
      { merchantId: m, currency: 'EUR', amount, livemode: false },
      { reference: re, occurredAt: at },
    ),
  );
  return re;
}

/**
 * A dispute of payment `pi` opened on `day` (its amount and Kassa's 15.00 fee withdrawn from the
 * merchant), and won an hour later if `won`, as the payments API books them.
 */
async function disputed(day: string, pi: string, amount: bigint, won: boolean) {
  const dp = newId('dispute');
  const at = new Date(`${day}T12:00:00Z`);
  await query(
    db.current.pool,
    `INSERT INTO disputes (id, merchant_id, livemode, payment_intent_id, acquirer_dispute_id, amount,
       currency, fee, reason, status, due_by, version, created_at, updated_at)
     VALUES ($1, $2, false, $3, $4, $5, 'EUR', 1500, 'fraudulent', $6, $7, 1, $7, $7)`,
    [dp, m, pi, `acq_${dp}`, amount, won ? 'won' : 'needs_response', at],
  );
  const money = { merchantId: m, currency: 'EUR', amount, livemode: false };
  await tx((t) => disputeOpened(t, { ...money, fee: 1_500n }, { reference: dp, occurredAt: at }));
  if (won)
    await tx((t) =>
      disputeWon(t, money, {
        reference: dp,
        occurredAt: new Date(at.getTime() + 3_600_000),
      }),
    );
  return dp;
}

type LineType = 'capture' | 'refund' | 'chargeback' | 'chargeback_reversal';

/** The acquirer's report as the simulator writes it (fee: 1% of a capture, 10.00 a chargeback). */
function report(lines: Array<[type: LineType, reference: string, amount: bigint]>) {
  const header =
    'settled_at,type,operation_id,authorization_id,merchant,reference,currency,amount,fee,net';
  const sign = { capture: 1n, refund: -1n, chargeback: -1n, chargeback_reversal: 1n };
  const rows = lines.map(([type, reference, amount], i) => {
    const fee = type === 'capture' ? amount / 100n : type === 'chargeback' ? 1_000n : 0n;
    const net = sign[type] * amount - fee;
    return `2026-06-01T10:00:00.000Z,${type},op_${i},auth_${i},${m},${reference},EUR,${amount},${fee},${net}`;
  });
  return `${[header, ...rows].join('\r\n')}\r\n`;
}

async function cash() {
  const account = await tx((t) => accountFor(t, 'platform_cash', 'EUR', undefined, false));
  return balanceOf(account, await getBalance(db.current.pool, account.id)).posted;
}

const reconcile = (source: 'acquirer_report' | 'bank_statement', day: string, csv: string) =>
  reconcileFile(db.current.pool, {
    source,
    day,
    livemode: false,
    csv,
    clock,
    calendar: DEFAULT_CALENDAR,
  });

const exceptionsOf = async () =>
  (
    await listReconciliationExceptions(
      db.current.pool,
      { merchantId: m, livemode: false },
      { limit: 100 },
    )
  ).data
    .map((e) => [e.kind, e.reference, e.expected_amount, e.actual_amount])
    .sort();

describe('reconciliation', () => {
  it('matches a clean report line by line, books the acquirer settlement, and runs once', async () => {
    const a = await captured('2026-06-01', 10_000n);
    const b = await captured('2026-06-01', 5_000n);
    await refunded('2026-06-01', a, 1_000n);
    const csv = report([
      ['capture', a, 10_000n],
      ['capture', b, 5_000n],
      ['refund', a, 1_000n],
    ]);
    const run = await reconcile('acquirer_report', '2026-06-01', csv);
    expect(run).toMatchObject({ reconciled: true, lines: 3, matched: 3, exceptions: 0 });
    expect(run.totals).toEqual({ EUR: { external: '13850', internal: '13850' } });
    expect(await cash()).toBe(13_850n);
    // Again: nothing new, nothing booked twice.
    expect(await reconcile('acquirer_report', '2026-06-01', csv)).toMatchObject({
      reconciled: false,
      matched: 3,
    });
    expect(await cash()).toBe(13_850n);

    // The bank's statement of the next day: the acquirer's settlement of the 1st, one credit
    // covering the report's three lines.
    const statement = [
      'booked_on,direction,amount,currency,reference,bank_reference,description',
      '2026-06-02,credit,13850,EUR,acquirer_settlement:2026-06-01:EUR,acq_20260601_EUR,Acquirer settlement',
    ].join('\r\n');
    expect(await reconcile('bank_statement', '2026-06-02', statement)).toMatchObject({
      matched: 1,
      exceptions: 0,
    });
    const day = await reconciliationReport(db.current.pool, '2026-06-01', false);
    expect(day.runs).toEqual([
      expect.objectContaining({ source: 'acquirer_report', lines: 3, matched: 3, unmatched: 0 }),
    ]);
  });

  it("matches chargebacks and a won dispute's reversal to the disputes' balance transactions", async () => {
    const won = await captured('2026-06-01', 10_000n);
    const lost = await captured('2026-06-01', 5_000n);
    const unreported = await captured('2026-06-01', 2_000n);
    await disputed('2026-06-01', won, 10_000n, true);
    await disputed('2026-06-01', lost, 5_000n, false);
    const missing = await disputed('2026-06-01', unreported, 2_000n, false);
    const csv = report([
      ['capture', won, 10_000n],
      ['capture', lost, 5_000n],
      ['capture', unreported, 2_000n],
      ['chargeback', won, 10_000n],
      ['chargeback', lost, 5_000n],
      ['chargeback_reversal', won, 10_000n],
    ]);
    const run = await reconcile('acquirer_report', '2026-06-01', csv);
    expect(run).toMatchObject({ lines: 6, matched: 6, exceptions: 1 });
    // The acquirer's chargeback of the third dispute is not in the file: missing, with Kassa's
    // withdrawal as the record (its amount, not Kassa's own fee).
    const [exception] = (
      await listReconciliationExceptions(
        db.current.pool,
        { merchantId: m, livemode: false },
        { limit: 10 },
      )
    ).data;
    expect(exception).toMatchObject({
      kind: 'missing_line',
      reference: unreported,
      expected_amount: 2_000,
    });
    const [transaction] = await query<{ source: string }>(
      db.current.pool,
      `SELECT b.source FROM balance_transactions b WHERE b.id = $1`,
      [exception?.object_id],
    );
    expect(transaction?.source).toBe(missing);
    // 9,900 + 4,950 + 1,980 − 11,000 − 6,000 + 10,000: what the acquirer settles.
    expect(run.totals).toEqual({ EUR: { external: '9830', internal: '9830' } });
    expect(await cash()).toBe(9_830n);
    // Every receivable the file covers is settled; what is left is the missing chargeback: Kassa
    // took it from the merchant, the acquirer has not taken it back (yet).
    const receivable = await tx((t) =>
      accountFor(t, 'acquirer_receivable', 'EUR', undefined, false),
    );
    expect(balanceOf(receivable, await getBalance(db.current.pool, receivable.id)).posted).toBe(
      -2_000n,
    );
  });

  it('calls a missing record missing once; a later file can still match it', async () => {
    const late = await captured('2026-06-01', 4_000n);
    expect(await reconcile('acquirer_report', '2026-06-01', report([]))).toMatchObject({
      exceptions: 1,
    });
    // Still not there the next day: the exception stands, and is not raised again.
    expect(await reconcile('acquirer_report', '2026-06-02', report([]))).toMatchObject({
      exceptions: 0,
    });
    // It comes on a later file: the line matches the record.
    expect(
      await reconcile('acquirer_report', '2026-06-03', report([['capture', late, 4_000n]])),
    ).toMatchObject({ lines: 1, matched: 1, exceptions: 0 });
    expect(await exceptionsOf()).toEqual([['missing_line', late, 4_000, null]]);
  });

  it('raises exactly one exception per injected difference', async () => {
    const kept = await captured('2026-06-02', 2_000n);
    const missing = await captured('2026-06-02', 3_000n);
    const wrong = await captured('2026-06-02', 4_000n);
    const twice = await captured('2026-06-02', 5_000n);
    const csv = report([
      ['capture', kept, 2_000n],
      ['capture', wrong, 4_007n],
      ['capture', twice, 5_000n],
      ['capture', twice, 5_000n],
      ['capture', 'pi_unknown00000000000000000', 900n],
    ]);
    const run = await reconcile('acquirer_report', '2026-06-02', csv);
    expect(run).toMatchObject({ lines: 5, matched: 2, exceptions: 4 });
    expect(await exceptionsOf()).toEqual(
      [
        ['amount_mismatch', wrong, 4_000, 4_007],
        ['duplicate_line', twice, null, 5_000],
        ['missing_line', missing, 3_000, null],
        ['unmatched_line', 'pi_unknown00000000000000000', null, 900],
      ].sort(),
    );
    expect((await reconciliationReport(db.current.pool, '2026-06-02', false)).open_exceptions).toBe(
      4,
    );
  });

  it('waits a day for a record on the edge of midnight before calling it missing', async () => {
    const late = await captured('2026-06-04', 1_000n);
    const next = await captured('2026-06-04', 2_000n);
    // The acquirer had `late` on the 3rd (a moment before midnight); Kassa booked it on the 4th.
    // `next` is not on the 3rd's report, and is not missing: the 4th's may have it.
    expect(
      await reconcile('acquirer_report', '2026-06-03', report([['capture', late, 1_000n]])),
    ).toMatchObject({ matched: 1, exceptions: 0 });
    expect(
      await reconcile('acquirer_report', '2026-06-04', report([['capture', next, 2_000n]])),
    ).toMatchObject({ matched: 1, exceptions: 0 });
  });

  it('takes its matching rules from the database', async () => {
    const pi = await captured('2026-06-05', 10_000n);
    await query(
      db.current.pool,
      `INSERT INTO reconciliation_rules (id, source, priority, description, criteria)
       VALUES ('acquirer_rounding', 'acquirer_report', 200, 'Within 10 minor units',
               '[{"field":"reference","operator":"equals"},{"field":"kind","operator":"equals"},{"field":"amount","operator":"within","drift":10}]')`,
    );
    const run = await reconcile(
      'acquirer_report',
      '2026-06-05',
      report([['capture', pi, 10_008n]]),
    );
    expect(run).toMatchObject({ matched: 1, exceptions: 0 });
    const [item] = await query<{ rule_id: string }>(
      db.current.pool,
      `SELECT rule_id FROM reconciliation_items WHERE reference = $1`,
      [pi],
    );
    expect(item?.rule_id).toBe('acquirer_rounding');
  });

  it('resolves an exception once, with who, when and why', async () => {
    const pi = await captured('2026-06-06', 1_000n);
    await reconcile('acquirer_report', '2026-06-06', report([]));
    const owner = { merchantId: m, livemode: false };
    const [open] = (await listReconciliationExceptions(db.current.pool, owner, { limit: 10 })).data;
    expect(open).toMatchObject({ kind: 'missing_line', reference: pi, status: 'open' });
    const resolved = await tx((t) =>
      resolveReconciliationException(t, owner, {
        id: open?.id as string,
        note: 'Captured after the cutoff; on the next report',
        actor: 'user:usr_1',
        clock,
      }),
    );
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: {
        note: 'Captured after the cutoff; on the next report',
        resolved_by: 'user:usr_1',
        resolved_at: Math.floor(clock.now().getTime() / 1000),
      },
    });
    const again = await tx((t) =>
      resolveReconciliationException(t, owner, {
        id: open?.id as string,
        note: 'again',
        actor: 'user:usr_2',
        clock,
      }),
    ).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(KassaApiError);
    expect(again).toMatchObject({ code: 'exception_resolved', status: 409 });
    // Another merchant cannot see or resolve it.
    await expect(
      tx((t) =>
        resolveReconciliationException(
          t,
          { merchantId: 'mch_other00000000000000000', livemode: false },
          { id: open?.id as string, note: 'not mine', actor: 'user:usr_3', clock },
        ),
      ),
    ).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('matches without a database too: a rule is data', () => {
    const line = {
      lineNo: 1,
      reference: 'po_1',
      kind: 'debit',
      currency: 'EUR',
      amount: 500n,
      fee: 0n,
      merchantId: null,
      raw: {},
    };
    const candidate = {
      objectId: 'po_1',
      reference: 'po_1',
      kind: 'debit',
      currency: 'EUR',
      amount: 500n,
      merchantId: 'mch_1',
      dueInThisFile: true,
    };
    const exact = {
      id: 'exact',
      criteria: [
        { field: 'reference' as const, operator: 'equals' as const },
        { field: 'amount' as const, operator: 'equals' as const },
      ],
    };
    expect(matchLines([line], [candidate], [exact]).matches).toHaveLength(1);
    expect(matchLines([line], [{ ...candidate, amount: 501n }], [exact]).exceptions).toEqual([
      expect.objectContaining({
        kind: 'amount_mismatch',
        expectedAmount: 501n,
        actualAmount: 500n,
      }),
    ]);
  });
});
