import { createHash } from 'node:crypto';
import { type Clock, newId } from '@kassa/contracts';
import { type Queryable, query, withTransaction } from '@kassa/db';
import { type EventMetadata, sealCommitted, settleFromAcquirer } from '@kassa/ledger';
import { parse } from 'csv-parse/sync';
import type pg from 'pg';
import { sweepBalanceTransactions } from './balance-transactions.ts';
import type { BankClient } from './bank.ts';
import { addDays, parseDay, type SettlementCalendar } from './days.ts';
import { SettlementError } from './errors.ts';
import {
  type Candidate,
  criterionSchema,
  type ExternalLine,
  type MatchException,
  matchLines,
  type Rule,
} from './matching.ts';

export type ReconciliationSource = 'acquirer_report' | 'bank_statement';

/** Where the acquirer's daily settlement reports come from (the simulator in test mode). */
export interface AcquirerReports {
  settlementReport(day: string): Promise<string>;
}

export class HttpAcquirerReports implements AcquirerReports {
  constructor(private readonly options: { url: string; apiKey: string; timeoutMs?: number }) {}
  async settlementReport(day: string): Promise<string> {
    const response = await fetch(`${this.options.url.replace(/\/$/, '')}/v1/settlements/${day}`, {
      headers: { authorization: `Bearer ${this.options.apiKey}` },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    if (!response.ok)
      throw new SettlementError('report_unavailable', `The acquirer answered ${response.status}.`);
    return response.text();
  }
}

const integer = (value: string | undefined, what: string, lineNo: number): bigint => {
  if (value === undefined || !/^-?\d+$/.test(value))
    throw new SettlementError('malformed_file', `Line ${lineNo}: ${what} is not an integer.`);
  return BigInt(value);
};

function rows(csv: string, columns: readonly string[]): Array<Record<string, string>> {
  const records = parse(csv, { columns: true, skip_empty_lines: true, trim: true }) as Array<
    Record<string, string>
  >;
  const header = Object.keys(records[0] ?? Object.fromEntries(columns.map((c) => [c, ''])));
  for (const column of columns)
    if (!header.includes(column))
      throw new SettlementError('malformed_file', `The file has no column "${column}".`);
  return records;
}

/**
 * The kinds of line an acquirer's settlement report has, and which way each moves the money the
 * acquirer owes the platform: captures add to it; refunds and chargebacks (a dispute's amount
 * withdrawn) take from it; a chargeback reversal (a dispute won) gives the amount back. The
 * acquirer's fee of every line is taken from it too.
 */
export const ACQUIRER_LINE_SIGNS = {
  capture: 1n,
  refund: -1n,
  chargeback: -1n,
  chargeback_reversal: 1n,
} as const;
export type AcquirerLineKind = keyof typeof ACQUIRER_LINE_SIGNS;

const isAcquirerLineKind = (kind: string | undefined): kind is AcquirerLineKind =>
  kind !== undefined && Object.hasOwn(ACQUIRER_LINE_SIGNS, kind);

/**
 * What a line (or a matched record, with its line's fee) moves, signed as the platform sees it:
 * for the acquirer's report, its amount signed by its kind, less the fee; for the bank's
 * statement, a credit in and a debit out.
 */
export function signedNet(kind: string, amount: bigint, fee: bigint): bigint {
  if (isAcquirerLineKind(kind)) return ACQUIRER_LINE_SIGNS[kind] * amount - fee;
  if (kind === 'credit') return amount;
  if (kind === 'debit') return -amount;
  throw new Error(`unknown line kind "${kind}"`);
}

/** The acquirer's settlement report (apps/acquirer-sim/src/settlement.ts) as lines. */
export function parseAcquirerReport(csv: string): ExternalLine[] {
  const columns = ['type', 'merchant', 'reference', 'currency', 'amount', 'fee', 'net'];
  return rows(csv, columns).map((record, i) => {
    const lineNo = i + 1;
    if (!isAcquirerLineKind(record.type))
      throw new SettlementError('malformed_file', `Line ${lineNo}: unknown type "${record.type}".`);
    return {
      lineNo,
      reference: record.reference ?? '',
      kind: record.type,
      currency: (record.currency ?? '').toUpperCase(),
      amount: integer(record.amount, 'amount', lineNo),
      fee: integer(record.fee, 'fee', lineNo),
      merchantId: record.merchant || null,
      raw: record,
    };
  });
}

/** The bank's statement (apps/acquirer-sim/src/bank.ts) as lines. */
export function parseBankStatement(csv: string): ExternalLine[] {
  const columns = ['direction', 'amount', 'currency', 'reference', 'bank_reference'];
  return rows(csv, columns).map((record, i) => {
    const lineNo = i + 1;
    if (record.direction !== 'credit' && record.direction !== 'debit')
      throw new SettlementError(
        'malformed_file',
        `Line ${lineNo}: unknown direction "${record.direction}".`,
      );
    return {
      lineNo,
      reference: record.reference ?? '',
      kind: record.direction,
      currency: (record.currency ?? '').toUpperCase(),
      amount: integer(record.amount, 'amount', lineNo),
      fee: 0n,
      merchantId: null,
      raw: record,
    };
  });
}

/**
 * Kassa's records an acquirer report of `day` may hold: charges, refunds and disputes' balance
 * transactions of the mode not matched yet, from the day and the next (a capture the acquirer
 * made a moment before midnight may be booked by Kassa a moment after). Only those of the day or
 * before are missing if absent, once (a record already called missing may still match a later
 * file's line, but is not called missing again). A dispute's withdrawal is the acquirer's chargeback of the
 * disputed amount (Kassa's own dispute fee is the merchant's, not on the acquirer's line); a won
 * dispute's reinstatement is its chargeback reversal. Both name the payment, as the report does.
 */
async function acquirerCandidates(
  db: Queryable,
  day: string,
  livemode: boolean,
): Promise<Candidate[]> {
  const found = await query<{
    id: string;
    merchant_id: string;
    type: 'charge' | 'refund' | 'dispute';
    amount: bigint;
    currency: string;
    reference: string | null;
    day: string;
    flagged: boolean;
  }>(
    db,
    `SELECT b.id, b.merchant_id, b.type::text AS type, b.amount, b.currency,
            CASE b.type WHEN 'refund' THEN r.payment_intent_id WHEN 'dispute' THEN d.payment_intent_id
                        ELSE b.source END AS reference,
            (b.created_at AT TIME ZONE 'UTC')::date::text AS day,
            EXISTS (SELECT 1 FROM reconciliation_exceptions x
                     WHERE x.object_id = b.id AND x.kind = 'missing_line') AS flagged
       FROM balance_transactions b
       LEFT JOIN refunds r ON b.type = 'refund' AND r.id = b.source
       LEFT JOIN disputes d ON b.type = 'dispute' AND d.id = b.source
      WHERE b.livemode = $1 AND b.type IN ('charge', 'refund', 'dispute')
        AND b.created_at < (($2::date + 2)::timestamp AT TIME ZONE 'UTC')
        AND NOT EXISTS (SELECT 1 FROM reconciliation_matches m WHERE m.object_id = b.id)`,
    [livemode, day],
  );
  const kindOf = (b: (typeof found)[number]): AcquirerLineKind => {
    if (b.type === 'charge') return 'capture';
    if (b.type === 'refund') return 'refund';
    return b.amount < 0n ? 'chargeback' : 'chargeback_reversal';
  };
  return found.map((b) => {
    if (b.reference === null)
      throw new SettlementError(
        b.type === 'refund' ? 'orphan_refund' : 'orphan_dispute',
        `${b.type === 'refund' ? 'Refund' : 'Dispute'} transaction ${b.id} has no ${b.type} row.`,
      );
    return {
      objectId: b.id,
      reference: b.reference,
      kind: kindOf(b),
      currency: b.currency,
      amount: b.amount < 0n ? -b.amount : b.amount,
      merchantId: b.merchant_id,
      dueInThisFile: b.day <= day && !b.flagged,
    };
  });
}

/**
 * Kassa's records a bank statement of `day` may hold: payouts sent (in transit or paid) not
 * matched yet, each a debit covering all the balance transactions it paid out; and the
 * acquirer's settlement of each reconciled report day before, a credit (or a debit) covering
 * all that report's lines in one currency. A payout paid on the day or before, and the
 * settlement of the day before, are missing if absent, once.
 */
async function bankCandidates(db: Queryable, day: string, livemode: boolean): Promise<Candidate[]> {
  const payouts = await query<{
    id: string;
    merchant_id: string;
    amount: bigint;
    currency: string;
    status: string;
    arrival_date: string;
    flagged: boolean;
  }>(
    db,
    `SELECT id, merchant_id, amount, currency, status::text AS status, arrival_date::text AS arrival_date,
            EXISTS (SELECT 1 FROM reconciliation_exceptions x
                     WHERE x.object_id = payouts.id AND x.kind = 'missing_line') AS flagged
       FROM payouts
      WHERE livemode = $1 AND status IN ('in_transit', 'paid')
        AND NOT EXISTS (SELECT 1 FROM reconciliation_matches m WHERE m.object_id = payouts.id)`,
    [livemode],
  );
  const settlements = await query<{
    id: string;
    day: string;
    currency: string;
    net: bigint;
    flagged: boolean;
  }>(
    db,
    `SELECT r.id, r.day::text AS day, i.currency,
            sum(CASE WHEN i.kind IN ('capture', 'chargeback_reversal') THEN i.amount ELSE -i.amount END
                - i.fee)::bigint AS net,
            EXISTS (SELECT 1 FROM reconciliation_exceptions x
                     WHERE x.object_id = r.id || ':' || i.currency AND x.kind = 'missing_line') AS flagged
       FROM reconciliation_runs r JOIN reconciliation_items i ON i.run_id = r.id
      WHERE r.source = 'acquirer_report' AND r.livemode = $1 AND r.day < $2::date
      GROUP BY r.id, r.day, i.currency
     HAVING NOT EXISTS (SELECT 1 FROM reconciliation_matches m WHERE m.object_id = r.id || ':' || i.currency)`,
    [livemode, day],
  );
  return [
    ...payouts.map((p) => ({
      objectId: p.id,
      reference: p.id,
      kind: 'debit',
      currency: p.currency,
      amount: p.amount,
      merchantId: p.merchant_id,
      dueInThisFile: p.status === 'paid' && p.arrival_date <= day && !p.flagged,
    })),
    ...settlements
      .filter((s) => s.net !== 0n)
      .map((s) => ({
        objectId: `${s.id}:${s.currency}`,
        reference: `acquirer_settlement:${s.day}:${s.currency}`,
        kind: s.net > 0n ? 'credit' : 'debit',
        currency: s.currency,
        amount: s.net > 0n ? s.net : -s.net,
        merchantId: null,
        dueInThisFile: addDays(s.day, 1) <= day && !s.flagged,
      })),
  ];
}

async function loadRules(db: Queryable, source: ReconciliationSource): Promise<Rule[]> {
  const rules = await query<{ id: string; criteria: unknown }>(
    db,
    `SELECT id, criteria FROM reconciliation_rules WHERE source = $1 AND enabled ORDER BY priority, id`,
    [source],
  );
  return rules.map((rule) => ({
    id: rule.id,
    criteria: criterionSchema.array().min(1).parse(rule.criteria),
  }));
}

export interface ReconciliationSummary {
  runId: string;
  source: ReconciliationSource;
  day: string;
  livemode: boolean;
  /** False: the file had been reconciled before; nothing was done. */
  reconciled: boolean;
  lines: number;
  matched: number;
  exceptions: number;
  totals: Record<string, { external: string; internal: string }>;
}

/**
 * Reconciles one file, once (a second run of the same source, day and mode changes nothing):
 * its lines are stored, matched to Kassa's records by the rules, and whatever is left becomes
 * an exception. An acquirer report is also booked: the acquirer's settlement of the day moves
 * the receivable into the platform's cash, less the acquirer's fees, as the report says.
 */
export async function reconcileFile(
  pool: pg.Pool,
  input: {
    source: ReconciliationSource;
    day: string;
    livemode: boolean;
    csv: string;
    clock: Clock;
    /** The settlement calendar (for the balance transactions the sweep writes). */
    calendar: SettlementCalendar;
    metadata?: EventMetadata;
  },
): Promise<ReconciliationSummary> {
  parseDay(input.day);
  // Kassa's side complete first: every committed entry sealed and given its balance transaction.
  await sealCommitted(pool);
  await withTransaction(pool, (tx) => sweepBalanceTransactions(tx, { calendar: input.calendar }));
  const lines =
    input.source === 'acquirer_report'
      ? parseAcquirerReport(input.csv)
      : parseBankStatement(input.csv);
  return withTransaction(pool, async (tx) => {
    // One run of a source and mode at a time: two must not match one record to two lines.
    await query(tx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 16))`, [
      `reconciliation:${input.source}:${input.livemode}`,
    ]);
    const now = input.clock.now();
    const runId = newId('reconciliationRun');
    const claimed = await query<{ id: string }>(
      tx,
      `INSERT INTO reconciliation_runs (id, source, day, livemode, lines, matched, exceptions, totals, file_sha256, created_at)
       VALUES ($1, $2, $3::date, $4, $5, 0, 0, '{}', $6, $7)
       ON CONFLICT (source, day, livemode) DO NOTHING RETURNING id`,
      [
        runId,
        input.source,
        input.day,
        input.livemode,
        lines.length,
        createHash('sha256').update(input.csv).digest('hex'),
        now,
      ],
    );
    if (claimed.length === 0) {
      const [existing] = await query<{
        id: string;
        lines: number;
        matched: number;
        exceptions: number;
        totals: ReconciliationSummary['totals'];
      }>(
        tx,
        `SELECT id, lines, matched, exceptions, totals FROM reconciliation_runs
          WHERE source = $1 AND day = $2::date AND livemode = $3`,
        [input.source, input.day, input.livemode],
      );
      if (!existing) throw new Error('the conflicting run is gone');
      return {
        runId: existing.id,
        source: input.source,
        day: input.day,
        livemode: input.livemode,
        reconciled: false,
        lines: existing.lines,
        matched: existing.matched,
        exceptions: existing.exceptions,
        totals: existing.totals,
      };
    }
    const candidates =
      input.source === 'acquirer_report'
        ? await acquirerCandidates(tx, input.day, input.livemode)
        : await bankCandidates(tx, input.day, input.livemode);
    const { matches, exceptions } = matchLines(
      lines,
      candidates,
      await loadRules(tx, input.source),
    );
    const matchOf = new Map(matches.map((m) => [m.line, m]));
    const items = await query<{ id: bigint; line_no: number }>(
      tx,
      `INSERT INTO reconciliation_items (run_id, line_no, reference, kind, amount, fee, currency, merchant_id, matched_object, rule_id, raw)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])
       RETURNING id, line_no`,
      [
        runId,
        lines.map((l) => l.lineNo),
        lines.map((l) => l.reference),
        lines.map((l) => l.kind),
        lines.map((l) => (l.amount < 0n ? -l.amount : l.amount)),
        lines.map((l) => l.fee),
        lines.map((l) => l.currency),
        lines.map((l) => l.merchantId),
        lines.map((l) => matchOf.get(l)?.candidate.objectId ?? null),
        lines.map((l) => matchOf.get(l)?.ruleId ?? null),
        lines.map((l) => JSON.stringify(l.raw)),
      ],
    );
    const itemOf = new Map(items.map((item) => [item.line_no, item.id]));
    if (matches.length > 0)
      await query(
        tx,
        `INSERT INTO reconciliation_matches (object_id, item_id, run_id)
         SELECT *, $3 FROM unnest($1::text[], $2::bigint[])`,
        [
          matches.map((m) => m.candidate.objectId),
          matches.map((m) => itemOf.get(m.line.lineNo)),
          runId,
        ],
      );
    await insertExceptions(tx, runId, input, exceptions, now);

    // Totals per currency: the file's and Kassa's matched side, signed as money moves.
    const totals: ReconciliationSummary['totals'] = {};
    const totalOf = (currency: string) => {
      totals[currency] ??= { external: '0', internal: '0' };
      return totals[currency];
    };
    for (const line of lines) {
      const t = totalOf(line.currency);
      t.external = (BigInt(t.external) + signedNet(line.kind, line.amount, line.fee)).toString();
    }
    for (const { line, candidate } of matches) {
      const t = totalOf(candidate.currency);
      t.internal = (
        BigInt(t.internal) + signedNet(candidate.kind, candidate.amount, line.fee)
      ).toString();
    }
    await query(
      tx,
      `UPDATE reconciliation_runs SET matched = $2, exceptions = $3, totals = $4 WHERE id = $1`,
      [runId, matches.length, exceptions.length, JSON.stringify(totals)],
    );

    if (input.source === 'acquirer_report') {
      const byCurrency = new Map<string, { gross: bigint; fee: bigint }>();
      for (const line of lines) {
        const sum = byCurrency.get(line.currency) ?? { gross: 0n, fee: 0n };
        sum.gross += ACQUIRER_LINE_SIGNS[line.kind as AcquirerLineKind] * line.amount;
        sum.fee += line.fee;
        byCurrency.set(line.currency, sum);
      }
      for (const [currency, sum] of byCurrency) {
        if (sum.gross === 0n && sum.fee === 0n) continue;
        await settleFromAcquirer(
          tx,
          { currency, gross: sum.gross, acquirerFee: sum.fee, livemode: input.livemode },
          {
            reference: `${runId}:${currency}`,
            occurredAt: now,
            metadata: input.metadata ?? { actor: 'settlement_worker' },
          },
        );
      }
    }
    return {
      runId,
      source: input.source,
      day: input.day,
      livemode: input.livemode,
      reconciled: true,
      lines: lines.length,
      matched: matches.length,
      exceptions: exceptions.length,
      totals,
    };
  });
}

async function insertExceptions(
  tx: Queryable,
  runId: string,
  input: { source: ReconciliationSource; day: string; livemode: boolean },
  exceptions: readonly MatchException[],
  now: Date,
): Promise<void> {
  if (exceptions.length === 0) return;
  await query(
    tx,
    `INSERT INTO reconciliation_exceptions (id, run_id, source, day, merchant_id, livemode, kind, reference,
        currency, expected_amount, actual_amount, object_id, line_no, description, created_at)
     SELECT id, $2, $3::reconciliation_source, $4::date, merchant_id, $5, kind, reference, currency,
            expected_amount, actual_amount, object_id, line_no, description, $6
       FROM unnest($1::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[],
                   $12::bigint[], $13::text[], $14::int[], $15::text[])
         AS e(id, merchant_id, kind, reference, currency, expected_amount, actual_amount, object_id, line_no, description)`,
    [
      exceptions.map(() => newId('reconciliationException')),
      runId,
      input.source,
      input.day,
      input.livemode,
      now,
      exceptions.map((e) => e.merchantId),
      exceptions.map((e) => e.kind),
      exceptions.map((e) => e.reference),
      exceptions.map((e) => e.currency),
      exceptions.map((e) => e.expectedAmount),
      exceptions.map((e) => e.actualAmount),
      exceptions.map((e) => e.objectId),
      exceptions.map((e) => e.lineNo),
      exceptions.map((e) => e.description),
    ],
  );
}

/** The newest day of `source` reconciled in `livemode`, or null before the first. */
async function lastReconciledDay(
  db: Queryable,
  source: ReconciliationSource,
  livemode: boolean,
): Promise<string | null> {
  const [row] = await query<{ day: string | null }>(
    db,
    `SELECT max(day)::text AS day FROM reconciliation_runs WHERE source = $1 AND livemode = $2`,
    [source, livemode],
  );
  return row?.day ?? null;
}

export interface Reconcilers {
  acquirer: AcquirerReports;
  bank: BankClient;
}

/**
 * Reconciles every ended UTC day not reconciled yet, oldest first (or, before the first, the
 * last one): for each, the acquirer's report, then the bank's statement. The files' days are
 * the acquirer's and the bank's: UTC days, whatever SETTLEMENT_CUTOFF says.
 */
export async function reconcileThrough(
  pool: pg.Pool,
  through: string,
  mode: { livemode: boolean; reconcilers: Reconcilers; clock: Clock; calendar: SettlementCalendar },
): Promise<ReconciliationSummary[]> {
  const done: ReconciliationSummary[] = [];
  for (const source of ['acquirer_report', 'bank_statement'] as const) {
    const last = await lastReconciledDay(pool, source, mode.livemode);
    for (
      let day = last === null ? through : addDays(last, 1);
      day <= through;
      day = addDays(day, 1)
    ) {
      const csv =
        source === 'acquirer_report'
          ? await mode.reconcilers.acquirer.settlementReport(day)
          : await mode.reconcilers.bank.statement(day);
      done.push(
        await reconcileFile(pool, {
          source,
          day,
          livemode: mode.livemode,
          csv,
          clock: mode.clock,
          calendar: mode.calendar,
        }),
      );
    }
  }
  return done;
}
