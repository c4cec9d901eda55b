import { type Queryable, query } from '@kassa/db';
import type { DomainContext } from '../context.ts';
import type { PaymentIntentRow } from '../payments/store.ts';
import { type CheckoutSessionRow, closeCheckoutSession, SESSION_COLUMNS } from './store.ts';

/**
 * A session's payment succeeded (or, with manual capture, was authorized): the session is
 * complete, in the same transaction as the payment's change. Called for every such payment
 * event; a payment without an open session does nothing.
 */
export async function completeCheckoutSessionOf(
  tx: Queryable,
  ctx: DomainContext,
  payment: PaymentIntentRow,
): Promise<void> {
  const [session] = await query<CheckoutSessionRow>(
    tx,
    `SELECT ${SESSION_COLUMNS} FROM checkout_sessions
      WHERE payment_intent_id = $1 AND status = 'open' FOR UPDATE`,
    [payment.id],
  );
  if (session) await closeCheckoutSession(tx, ctx, session, 'paid');
}
