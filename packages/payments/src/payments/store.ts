import type { PaymentIntentRisk, PaymentIntentStatus } from '@kassa/contracts';
import {
  type AssertSameColumns,
  assignments,
  type ColumnsIn,
  type PaymentIntentRecord,
  placeholders,
  type Queryable,
} from '@kassa/db';
import type { Principal } from '../context.ts';
import { KassaApiError } from '../errors.ts';
import { loadOwned } from '../owned.ts';

/** A row of the payment_intents read model. */
export interface PaymentIntentRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  amount: bigint;
  currency: string;
  status: PaymentIntentStatus;
  capture_method: 'automatic' | 'manual';
  amount_capturable: bigint;
  amount_received: bigint;
  payment_method_id: string | null;
  customer_id: string | null;
  last_payment_error: Record<string, unknown> | null;
  next_action: Record<string, unknown> | null;
  description: string | null;
  metadata: Record<string, string>;
  hold_id: string | null;
  acquirer_authorization_id: string | null;
  capture_before: Date | null;
  amount_refunded: bigint;
  /** The risk assessment of the last confirmation, as `payment_intent.risk` shows it. */
  risk: PaymentIntentRisk | null;
  canceled_at: Date | null;
  cancellation_reason: string | null;
  version: number;
  created_at: Date;
}

// Typecheck fails when this row and schema.prisma disagree (docs/database.md).
const _paymentIntentRowColumns: AssertSameColumns<
  PaymentIntentRow,
  PaymentIntentRecord,
  'updated_at'
> = true;

/** The row's columns: what loadPaymentIntent reads. */
const ROW_COLUMNS = [
  'id',
  'merchant_id',
  'livemode',
  'amount',
  'currency',
  'status',
  'capture_method',
  'amount_capturable',
  'amount_received',
  'payment_method_id',
  'customer_id',
  'last_payment_error',
  'next_action',
  'description',
  'metadata',
  'hold_id',
  'acquirer_authorization_id',
  'capture_before',
  'amount_refunded',
  'risk',
  'canceled_at',
  'cancellation_reason',
  'version',
  'created_at',
] as const satisfies readonly (keyof PaymentIntentRow)[];

// Typecheck fails when a column list misses a column of the schema that it does not leave out
// on purpose, or names one it does not have (docs/database.md).
const _rowColumns: AssertSameColumns<
  ColumnsIn<typeof ROW_COLUMNS>,
  PaymentIntentRecord,
  'updated_at'
> = true;

const COLUMNS = ROW_COLUMNS.join(', ');

/**
 * What insertPaymentIntent writes, in the order of its parameters; updated_at (added last) takes
 * created_at's parameter. A new payment has no acquirer authorization, no capture deadline and
 * nothing refunded: those columns keep their defaults.
 */
const INSERT_COLUMNS = [
  'id',
  'merchant_id',
  'livemode',
  'amount',
  'currency',
  'status',
  'capture_method',
  'amount_capturable',
  'amount_received',
  'payment_method_id',
  'customer_id',
  'last_payment_error',
  'next_action',
  'description',
  'metadata',
  'hold_id',
  'canceled_at',
  'cancellation_reason',
  'version',
  'created_at',
] as const satisfies readonly (keyof PaymentIntentRecord)[];

const _insertColumns: AssertSameColumns<
  ColumnsIn<typeof INSERT_COLUMNS>,
  PaymentIntentRecord,
  'acquirer_authorization_id' | 'capture_before' | 'amount_refunded' | 'risk' | 'updated_at'
> = true;

const INSERT = `INSERT INTO payment_intents (${INSERT_COLUMNS.join(', ')}, updated_at)
     VALUES (${placeholders(INSERT_COLUMNS.length)}, $${INSERT_COLUMNS.length})`;

/**
 * What savePaymentIntent writes, from $2 ($1 is the id), in the order of its parameters: every
 * column but the ones a payment never changes (and updated_at, set to now()).
 */
const SAVE_COLUMNS = [
  'amount',
  'status',
  'amount_capturable',
  'amount_received',
  'payment_method_id',
  'customer_id',
  'last_payment_error',
  'next_action',
  'description',
  'metadata',
  'hold_id',
  'canceled_at',
  'cancellation_reason',
  'version',
  'acquirer_authorization_id',
  'capture_before',
  'amount_refunded',
  'risk',
] as const satisfies readonly (keyof PaymentIntentRecord)[];

const _saveColumns: AssertSameColumns<
  ColumnsIn<typeof SAVE_COLUMNS>,
  PaymentIntentRecord,
  'id' | 'merchant_id' | 'livemode' | 'currency' | 'capture_method' | 'created_at' | 'updated_at'
> = true;

const SAVE = `UPDATE payment_intents SET ${assignments(SAVE_COLUMNS, 2)}, updated_at = now()
     WHERE id = $1 AND version = $${SAVE_COLUMNS.indexOf('version') + 2} - 1`;

/**
 * The payment intent `id` of this merchant in this mode, or 404. `forUpdate` locks it for the
 * rest of the transaction, so two requests changing one payment take turns.
 */
export async function loadPaymentIntent(
  db: Queryable,
  principal: Principal,
  id: string,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<PaymentIntentRow> {
  return loadOwned<PaymentIntentRow>(
    db,
    principal,
    { table: 'payment_intents', columns: COLUMNS, what: 'payment_intent' },
    id,
    options,
  );
}

export async function insertPaymentIntent(tx: Queryable, row: PaymentIntentRow): Promise<void> {
  await tx.query(INSERT, [
    row.id,
    row.merchant_id,
    row.livemode,
    row.amount.toString(),
    row.currency,
    row.status,
    row.capture_method,
    row.amount_capturable.toString(),
    row.amount_received.toString(),
    row.payment_method_id,
    row.customer_id,
    row.last_payment_error && JSON.stringify(row.last_payment_error),
    row.next_action && JSON.stringify(row.next_action),
    row.description,
    JSON.stringify(row.metadata),
    row.hold_id,
    row.canceled_at,
    row.cancellation_reason,
    row.version,
    row.created_at,
  ]);
}

/** Writes a changed payment intent whose row the transaction holds locked (loadPaymentIntent forUpdate). */
export async function savePaymentIntent(tx: Queryable, row: PaymentIntentRow): Promise<void> {
  const { rowCount } = await tx.query(SAVE, [
    row.id,
    row.amount.toString(),
    row.status,
    row.amount_capturable.toString(),
    row.amount_received.toString(),
    row.payment_method_id,
    row.customer_id,
    row.last_payment_error && JSON.stringify(row.last_payment_error),
    row.next_action && JSON.stringify(row.next_action),
    row.description,
    JSON.stringify(row.metadata),
    row.hold_id,
    row.canceled_at,
    row.cancellation_reason,
    row.version,
    row.acquirer_authorization_id,
    row.capture_before,
    row.amount_refunded.toString(),
    row.risk && JSON.stringify(row.risk),
  ]);
  if (rowCount !== 1) {
    throw new KassaApiError({
      type: 'api_error',
      code: 'lock_timeout',
      message: 'The payment changed while this request ran; retry it.',
      status: 409,
    });
  }
}

export { COLUMNS as PAYMENT_INTENT_COLUMNS };

/**
 * Reserves `delta` of the payment's captured amount for a refund (or gives it back, negative)
 * under the payment's row lock, without a new version: the refund's own events say why. The
 * database checks that refunds never exceed what was received, nor go below zero.
 */
export async function adjustAmountRefunded(
  tx: Queryable,
  paymentIntentId: string,
  delta: bigint,
): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE payment_intents SET amount_refunded = amount_refunded + $2, updated_at = now()
      WHERE id = $1 AND amount_refunded + $2 BETWEEN 0 AND amount_received`,
    [paymentIntentId, delta.toString()],
  );
  if (rowCount !== 1) {
    throw new Error(
      `payment ${paymentIntentId}: refunding ${delta} more breaks 0 <= refunded <= received`,
    );
  }
}
