import { newId } from '@kassa/contracts';
import { type PaymentAttemptRecord, type Queryable, query } from '@kassa/db';
import { type AttemptEvent, attemptMachine } from '../state-machine.ts';

export type AttemptKind = 'authorize' | 'capture' | 'void' | 'refund';
export type AttemptStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'abandoned';

/**
 * A row of payment_attempts: one money-moving call to the acquirer. Typed from schema.prisma
 * (RowOf its model), with kind, status and failure narrowed.
 */
export type AttemptRow = Omit<PaymentAttemptRecord, 'kind' | 'status' | 'failure'> & {
  kind: AttemptKind;
  status: AttemptStatus;
  failure: Record<string, unknown> | null;
  /**
   * Read with the row: pending and its hold not over, judged by the database's clock (the one
   * that set locked_until), never this process's.
   */
  held?: boolean;
};

const SELECT_ATTEMPT = `SELECT *, (status = 'pending' AND locked_until > now()) AS held FROM payment_attempts`;

/** Records an attempt before its call, held by the caller for `leaseMs`. */
export async function insertAttempt(
  tx: Queryable,
  attempt: Pick<
    AttemptRow,
    'payment_intent_id' | 'merchant_id' | 'livemode' | 'kind' | 'amount' | 'currency' | 'created_at'
  > &
    Partial<
      Pick<
        AttemptRow,
        'payment_method_id' | 'refund_id' | 'acquirer_authorization_id' | 'return_url' | 'client_ip'
      >
    >,
  leaseMs: number,
): Promise<AttemptRow> {
  const [row] = await query<AttemptRow>(
    tx,
    `INSERT INTO payment_attempts (id, payment_intent_id, merchant_id, livemode, kind, status, amount,
       currency, payment_method_id, refund_id, acquirer_authorization_id, return_url, client_ip, locked_until,
       updated_at, created_at)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $13::inet,
       now() + make_interval(secs => $12), now(), $14)
     RETURNING *`,
    [
      newId('paymentAttempt'),
      attempt.payment_intent_id,
      attempt.merchant_id,
      attempt.livemode,
      attempt.kind,
      attempt.amount,
      attempt.currency,
      attempt.payment_method_id ?? null,
      attempt.refund_id ?? null,
      attempt.acquirer_authorization_id ?? null,
      attempt.return_url ?? null,
      leaseMs / 1000,
      attempt.client_ip ?? null,
      attempt.created_at,
    ],
  );
  return row as AttemptRow;
}

/** The unresolved attempt of `kind` on a payment (or refund), if there is one, locked. */
export async function openAttempt(
  tx: Queryable,
  paymentIntentId: string,
  kinds: readonly AttemptKind[],
  refundId?: string,
): Promise<AttemptRow | undefined> {
  const [row] = await query<AttemptRow>(
    tx,
    `${SELECT_ATTEMPT}
      WHERE payment_intent_id = $1 AND kind = ANY($2) AND status IN ('pending', 'requires_action')
        AND ($3::text IS NULL OR refund_id = $3)
      ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
    [paymentIntentId, kinds, refundId ?? null],
  );
  return row;
}

/** Whether someone still holds a pending attempt (is making its call right now). */
export function isHeld(attempt: AttemptRow): boolean {
  if (attempt.held === undefined)
    throw new Error(`attempt ${attempt.id} was not read with its hold`);
  return attempt.held;
}

/** Takes (or extends) the hold on an attempt whose call is about to be made. */
export async function holdAttempt(tx: Queryable, id: string, leaseMs: number): Promise<void> {
  await tx.query(
    `UPDATE payment_attempts SET locked_until = now() + make_interval(secs => $2), updated_at = now()
      WHERE id = $1`,
    [id, leaseMs / 1000],
  );
}

/** Lets go of an attempt whose outcome is unknown, so that a retry or the sweeper resumes it. */
export async function releaseAttempt(tx: Queryable, id: string): Promise<void> {
  await tx.query(
    `UPDATE payment_attempts SET locked_until = now(), updated_at = now() WHERE id = $1 AND status = 'pending'`,
    [id],
  );
}

/**
 * Moves an attempt by `event` through attemptMachine. The row must be as the caller read it under
 * its lock: the update only applies from that status, and anything else is a broken invariant.
 */
export async function resolveAttempt(
  tx: Queryable,
  attempt: AttemptRow,
  event: AttemptEvent,
  fields: {
    acquirer_authorization_id?: string | null;
    failure?: Record<string, unknown> | null;
  } = {},
): Promise<void> {
  const from = attemptMachine.advance(attempt, event);
  const to = attempt.status;
  const { rowCount } = await tx.query(
    `UPDATE payment_attempts SET status = $3,
       acquirer_authorization_id = coalesce($4, acquirer_authorization_id),
       failure = coalesce($5, failure), updated_at = now()
      WHERE id = $1 AND status = $2`,
    [
      attempt.id,
      from,
      to,
      fields.acquirer_authorization_id ?? null,
      fields.failure ? JSON.stringify(fields.failure) : null,
    ],
  );
  if (rowCount !== 1) {
    throw new Error(
      `attempt ${attempt.id} is no longer ${from}: it cannot become ${to} (${event})`,
    );
  }
}

export async function loadAttempt(tx: Queryable, id: string, forUpdate = false) {
  const [row] = await query<AttemptRow>(
    tx,
    `${SELECT_ATTEMPT} WHERE id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}
