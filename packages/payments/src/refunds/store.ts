import type { Refund, RefundStatus } from '@kassa/contracts';
import {
  type AssertSameColumns,
  assignments,
  type ColumnsIn,
  placeholders,
  type Queryable,
  type RefundRecord,
} from '@kassa/db';
import { appendToStream } from '@kassa/ledger';
import type { DomainContext, Principal } from '../context.ts';
import { loadOwned } from '../owned.ts';
import { eventMetadata } from '../payments/events.ts';

export interface RefundRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  payment_intent_id: string;
  amount: bigint;
  currency: string;
  status: RefundStatus;
  reason: Refund['reason'];
  failure_reason: string | null;
  metadata: Record<string, string>;
  version: number;
  created_at: Date;
}

// Typecheck fails when this row and schema.prisma disagree (docs/database.md).
const _refundRowColumns: AssertSameColumns<RefundRow, RefundRecord, 'updated_at'> = true;

/** The row's columns, in the order of insertRefund's parameters. */
const ROW_COLUMNS = [
  'id',
  'merchant_id',
  'livemode',
  'payment_intent_id',
  'amount',
  'currency',
  'status',
  'reason',
  'failure_reason',
  'metadata',
  'version',
  'created_at',
] as const satisfies readonly (keyof RefundRow)[];

// Typecheck fails when the list misses a column of the row or the schema (docs/database.md).
const _rowColumns: AssertSameColumns<
  ColumnsIn<typeof ROW_COLUMNS>,
  RefundRecord,
  'updated_at'
> = true;

export const REFUND_COLUMNS = ROW_COLUMNS.join(', ');

// updated_at takes created_at's parameter (the last).
const INSERT = `INSERT INTO refunds (${REFUND_COLUMNS}, updated_at)
     VALUES (${placeholders(ROW_COLUMNS.length)}, $${ROW_COLUMNS.length})`;

/** What saveRefund changes, from $2 ($1 is the id). */
const SAVE_COLUMNS = [
  'status',
  'failure_reason',
  'version',
] as const satisfies readonly (keyof RefundRecord)[];

const SAVE = `UPDATE refunds SET ${assignments(SAVE_COLUMNS, 2)}, updated_at = now()
      WHERE id = $1 AND version = $${SAVE_COLUMNS.indexOf('version') + 2} - 1`;

export async function insertRefund(tx: Queryable, row: RefundRow): Promise<void> {
  await tx.query(INSERT, [
    row.id,
    row.merchant_id,
    row.livemode,
    row.payment_intent_id,
    row.amount,
    row.currency,
    row.status,
    row.reason,
    row.failure_reason,
    JSON.stringify(row.metadata),
    row.version,
    row.created_at,
  ]);
}

export async function saveRefund(tx: Queryable, row: RefundRow): Promise<void> {
  const { rowCount } = await tx.query(SAVE, [row.id, row.status, row.failure_reason, row.version]);
  if (rowCount !== 1) throw new Error(`refund ${row.id} is not at version ${row.version - 1}`);
}

export async function loadRefund(
  db: Queryable,
  principal: Principal,
  id: string,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<RefundRow> {
  return loadOwned<RefundRow>(
    db,
    principal,
    { table: 'refunds', columns: REFUND_COLUMNS, what: 'refund' },
    id,
    options,
  );
}

export function refundView(row: RefundRow): Refund {
  return {
    id: row.id,
    object: 'refund',
    amount: Number(row.amount),
    currency: row.currency.toLowerCase(),
    payment_intent: row.payment_intent_id,
    status: row.status,
    reason: row.reason,
    failure_reason: row.failure_reason,
    metadata: row.metadata,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/** Appends a refund event (the refund as it now is) to the stream `refund:<id>`. */
export async function recordRefundEvent(
  tx: Queryable,
  ctx: DomainContext,
  row: RefundRow,
  type: 'refund.created' | 'refund.updated' | 'refund.failed',
): Promise<void> {
  await appendToStream(tx, {
    occurredAt: ctx.services.clock.now(),
    stream: `refund:${row.id}`,
    expectedVersion: row.version === 1 ? 'no_stream' : row.version - 1,
    merchantId: row.merchant_id,
    events: [
      {
        type,
        data: { object: refundView(row) as unknown as Record<string, never> },
        metadata: eventMetadata(ctx),
      },
    ],
  });
}
