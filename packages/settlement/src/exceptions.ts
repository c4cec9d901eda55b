import type {
  Clock,
  listReconciliationExceptionsInput,
  ReconciliationException,
} from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import { KassaApiError, keysetPage, notFound } from '@kassa/payments';
import type { z } from 'zod';
import type { Owner } from './balance-transactions.ts';

interface ExceptionRow {
  id: string;
  source: 'acquirer_report' | 'bank_statement';
  day: string;
  merchant_id: string | null;
  livemode: boolean;
  kind: ReconciliationException['kind'];
  reference: string;
  currency: string;
  expected_amount: bigint | null;
  actual_amount: bigint | null;
  object_id: string | null;
  line_no: number | null;
  description: string;
  status: 'open' | 'resolved';
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, source::text AS source, day::text AS day, merchant_id, livemode, kind, reference,
  currency, expected_amount, actual_amount, object_id, line_no, description, status::text AS status,
  resolution_note, resolved_by, resolved_at, created_at`;

export function exceptionView(row: ExceptionRow): ReconciliationException {
  return {
    id: row.id,
    object: 'reconciliation_exception',
    source: row.source,
    day: row.day,
    kind: row.kind,
    reference: row.reference,
    currency: row.currency.toLowerCase(),
    expected_amount: row.expected_amount === null ? null : Number(row.expected_amount),
    actual_amount: row.actual_amount === null ? null : Number(row.actual_amount),
    object_id: row.object_id,
    line: row.line_no,
    description: row.description,
    status: row.status,
    resolution:
      row.status === 'resolved' && row.resolution_note && row.resolved_by && row.resolved_at
        ? {
            note: row.resolution_note,
            resolved_by: row.resolved_by,
            resolved_at: Math.floor(row.resolved_at.getTime() / 1000),
          }
        : null,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

async function load(db: Queryable, owner: Owner, id: string, forUpdate = false) {
  const [row] = await query<ExceptionRow>(
    db,
    `SELECT ${COLUMNS} FROM reconciliation_exceptions
      WHERE id = $1 AND merchant_id = $2 AND livemode = $3 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [id, owner.merchantId, owner.livemode],
  );
  if (!row) throw notFound('reconciliation exception', id);
  return row;
}

export async function retrieveReconciliationException(
  db: Queryable,
  owner: Owner,
  id: string,
): Promise<ReconciliationException> {
  return exceptionView(await load(db, owner, id));
}

/** The merchant's exceptions (the platform's own are the operator's: `kassa reconciliation`). */
export async function listReconciliationExceptions(
  db: Queryable,
  owner: Owner,
  input: z.output<typeof listReconciliationExceptionsInput>,
): Promise<{ object: 'list'; data: ReconciliationException[]; has_more: boolean }> {
  const filters: Array<[string, unknown]> = [
    ['merchant_id = ?', owner.merchantId],
    ['livemode = ?', owner.livemode],
  ];
  if (input.status) filters.push(['status = ?::reconciliation_exception_status', input.status]);
  if (input.kind) filters.push(['kind = ?', input.kind]);
  if (input.day) filters.push(['day = ?::date', input.day]);
  const { rows, hasMore } = await keysetPage<ExceptionRow>(db, {
    table: 'reconciliation_exceptions',
    columns: COLUMNS,
    filters,
    page: input,
    cursor: (id) => load(db, owner, id),
  });
  return { object: 'list', data: rows.map(exceptionView), has_more: hasMore };
}

/**
 * Resolves an exception with a note: who (`actor`), when and why stay with it, and the API's
 * audit log records the call. A resolved exception stays resolved (409 on a second try).
 */
export async function resolveReconciliationException(
  tx: Queryable,
  owner: Owner | null,
  input: { id: string; note: string; actor: string; clock: Clock },
): Promise<ReconciliationException> {
  const row = owner
    ? await load(tx, owner, input.id, true)
    : (
        await query<ExceptionRow>(
          tx,
          `SELECT ${COLUMNS} FROM reconciliation_exceptions WHERE id = $1 FOR UPDATE`,
          [input.id],
        )
      )[0];
  if (!row) throw notFound('reconciliation exception', input.id);
  if (row.status === 'resolved')
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'exception_resolved',
      message: `This exception was resolved by ${row.resolved_by}.`,
      param: 'id',
      status: 409,
    });
  const [updated] = await query<ExceptionRow>(
    tx,
    `UPDATE reconciliation_exceptions SET status = 'resolved', resolution_note = $2, resolved_by = $3,
            resolved_at = $4
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [input.id, input.note, input.actor, input.clock.now()],
  );
  return exceptionView(updated as ExceptionRow);
}

export interface ReconciliationDay {
  day: string;
  livemode: boolean;
  runs: Array<{
    source: string;
    lines: number;
    matched: number;
    unmatched: number;
    totals: Record<string, { external: string; internal: string }>;
  }>;
  open_exceptions: number;
}

/**
 * A day's reconciliation report: for each file, its lines, how many matched and how many did
 * not, and per currency the file's total beside Kassa's. With `merchantId`, the count of open
 * exceptions is the merchant's; without, everyone's (the operator's view).
 */
export async function reconciliationReport(
  db: Queryable,
  day: string,
  livemode: boolean,
  merchantId?: string,
): Promise<ReconciliationDay> {
  const runs = await query<{
    source: string;
    lines: number;
    matched: number;
    totals: Record<string, { external: string; internal: string }>;
  }>(
    db,
    `SELECT source::text AS source, lines, matched, totals FROM reconciliation_runs
      WHERE day = $1::date AND livemode = $2 ORDER BY source`,
    [day, livemode],
  );
  const [open] = await query<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM reconciliation_exceptions
      WHERE day = $1::date AND livemode = $2 AND status = 'open' AND ($3::text IS NULL OR merchant_id = $3)`,
    [day, livemode, merchantId ?? null],
  );
  return {
    day,
    livemode,
    runs: runs.map((r) => ({ ...r, unmatched: r.lines - r.matched })),
    open_exceptions: open?.n ?? 0,
  };
}
