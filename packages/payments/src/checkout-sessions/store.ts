import type { CheckoutSession, CheckoutSessionStatus, LineItem } from '@kassa/contracts';
import {
  type AssertSameColumns,
  assignments,
  type CheckoutSessionRecord,
  type ColumnsIn,
  placeholders,
  type Queryable,
} from '@kassa/db';
import { appendToStream, type JsonObject } from '@kassa/ledger';
import type { DomainContext, PaymentsServices, Principal } from '../context.ts';
import { loadOwned } from '../owned.ts';
import { clientSecretFor } from '../payments/client-secret.ts';
import { eventMetadata } from '../payments/events.ts';
import { type CheckoutSessionEvent, checkoutSessionMachine } from '../state-machine.ts';

export interface CheckoutSessionRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  status: CheckoutSessionStatus;
  amount_total: bigint;
  currency: string;
  line_items: LineItem[];
  customer_email: string | null;
  capture_method: 'automatic' | 'manual';
  success_url: string;
  cancel_url: string;
  payment_intent_id: string;
  expires_at: Date;
  completed_at: Date | null;
  metadata: Record<string, string>;
  created_at: Date;
}

// Typecheck fails when this row and schema.prisma disagree (docs/database.md).
const _checkoutSessionRowColumns: AssertSameColumns<
  CheckoutSessionRow,
  CheckoutSessionRecord,
  'updated_at'
> = true;

/** The row's columns, in the order of insertCheckoutSession's parameters. */
const ROW_COLUMNS = [
  'id',
  'merchant_id',
  'livemode',
  'status',
  'amount_total',
  'currency',
  'line_items',
  'customer_email',
  'capture_method',
  'success_url',
  'cancel_url',
  'payment_intent_id',
  'expires_at',
  'completed_at',
  'metadata',
  'created_at',
] as const satisfies readonly (keyof CheckoutSessionRow)[];

// Typecheck fails when the list misses a column of the row or the schema (docs/database.md).
const _rowColumns: AssertSameColumns<
  ColumnsIn<typeof ROW_COLUMNS>,
  CheckoutSessionRecord,
  'updated_at'
> = true;

export const SESSION_COLUMNS = ROW_COLUMNS.join(', ');

// updated_at takes created_at's parameter (the last).
const INSERT = `INSERT INTO checkout_sessions (${SESSION_COLUMNS}, updated_at)
     VALUES (${placeholders(ROW_COLUMNS.length)}, $${ROW_COLUMNS.length})`;

/** What closeCheckoutSession changes, from $3 ($1 is the id, $2 the status it must be in). */
const CLOSE_COLUMNS = [
  'status',
  'completed_at',
] as const satisfies readonly (keyof CheckoutSessionRecord)[];

const CLOSE = `UPDATE checkout_sessions SET ${assignments(CLOSE_COLUMNS, 3)}, updated_at = now()
      WHERE id = $1 AND status = $2`;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * The merchant's view. An open session shows its page's `url` and the `client_secret` the page
 * acts with; once complete or expired, neither (nothing is left to do there).
 */
export function checkoutSessionView(
  row: CheckoutSessionRow,
  services: Pick<PaymentsServices, 'clientSecretKey' | 'checkoutUrl'>,
): CheckoutSession {
  const open = row.status === 'open';
  return {
    id: row.id,
    object: 'checkout_session',
    status: row.status,
    payment_status: row.status === 'complete' ? 'paid' : 'unpaid',
    amount_total: Number(row.amount_total),
    currency: row.currency.toLowerCase(),
    line_items: row.line_items,
    customer_email: row.customer_email,
    capture_method: row.capture_method,
    success_url: row.success_url,
    cancel_url: row.cancel_url,
    url: open ? `${services.checkoutUrl}/pay/${row.id}` : null,
    client_secret: open ? clientSecretFor(services.clientSecretKey, row.id) : null,
    payment_intent: row.payment_intent_id,
    expires_at: seconds(row.expires_at),
    completed_at: row.completed_at ? seconds(row.completed_at) : null,
    metadata: row.metadata,
    livemode: row.livemode,
    created: seconds(row.created_at),
  };
}

export async function insertCheckoutSession(tx: Queryable, row: CheckoutSessionRow): Promise<void> {
  await tx.query(INSERT, [
    row.id,
    row.merchant_id,
    row.livemode,
    row.status,
    row.amount_total,
    row.currency,
    JSON.stringify(row.line_items),
    row.customer_email,
    row.capture_method,
    row.success_url,
    row.cancel_url,
    row.payment_intent_id,
    row.expires_at,
    row.completed_at,
    JSON.stringify(row.metadata),
    row.created_at,
  ]);
}

export async function loadCheckoutSession(
  db: Queryable,
  principal: Principal,
  id: string,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<CheckoutSessionRow> {
  return loadOwned<CheckoutSessionRow>(
    db,
    principal,
    { table: 'checkout_sessions', columns: SESSION_COLUMNS, what: 'checkout_session' },
    id,
    options,
  );
}

/**
 * Moves an open session by `event` through checkoutSessionMachine (paid: complete; expired) and appends the matching event
 * (`checkout.session.completed`, `checkout.session.expired`) in the caller's transaction.
 */
export async function closeCheckoutSession(
  tx: Queryable,
  ctx: DomainContext,
  row: CheckoutSessionRow,
  event: CheckoutSessionEvent,
): Promise<void> {
  const from = checkoutSessionMachine.advance(row, event);
  if (row.status === 'complete') row.completed_at = ctx.services.clock.now();
  const { rowCount } = await tx.query(CLOSE, [row.id, from, row.status, row.completed_at]);
  if (rowCount !== 1) throw new Error(`checkout session ${row.id} is no longer ${from}`);
  // Closed, the view shows neither the page's url nor its client secret.
  const object = checkoutSessionView(row, ctx.services);
  await appendToStream(tx, {
    occurredAt: ctx.services.clock.now(),
    stream: `checkout_session:${row.id}`,
    expectedVersion: 'any',
    merchantId: row.merchant_id,
    events: [
      {
        type: row.status === 'complete' ? 'checkout.session.completed' : 'checkout.session.expired',
        data: { object: object as unknown as JsonObject },
        metadata: eventMetadata(ctx),
      },
    ],
  });
}
