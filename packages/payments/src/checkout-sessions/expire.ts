import type { CheckoutSession } from '@kassa/contracts';
import { type Queryable, query, withTransaction } from '@kassa/db';
import type { DomainContext, Logger, PaymentsServices } from '../context.ts';
import { unexpectedState } from '../errors.ts';
import { openAttempt } from '../payments/attempts.ts';
import { markCanceled } from '../payments/cancel.ts';
import { inProgress } from '../payments/steps.ts';
import { loadPaymentIntent } from '../payments/store.ts';
import { sweepEach } from '../payments/system-context.ts';
import { checkoutSessionMachine, paymentIntentMachine } from '../state-machine.ts';
import {
  type CheckoutSessionRow,
  checkoutSessionView,
  closeCheckoutSession,
  loadCheckoutSession,
} from './store.ts';

/**
 * checkoutSessions.expire (and the expiry sweep): the session can no longer be paid and its
 * payment is canceled (`abandoned`). A payment being confirmed right now, or waiting for 3-D
 * Secure, cannot be: the call answers 409 and the sweep tries again later.
 */
export async function expireCheckoutSession(
  tx: Queryable,
  ctx: DomainContext,
  id: string,
): Promise<CheckoutSession> {
  const session = await loadCheckoutSession(tx, ctx.principal, id, { forUpdate: true });
  if (!checkoutSessionMachine.can(session.status, 'expired'))
    throw unexpectedState('checkout_session', session.status, 'expire');
  const payment = await loadPaymentIntent(tx, ctx.principal, session.payment_intent_id, {
    forUpdate: true,
  });
  // Canceled on the spot only while nothing was authorized yet.
  const authorizing = await openAttempt(tx, payment.id, ['authorize']);
  if (authorizing || !paymentIntentMachine.can(payment.status, 'canceled'))
    throw inProgress('payment');
  await markCanceled(tx, ctx, payment, 'canceled', 'abandoned');
  await closeCheckoutSession(tx, ctx, session, 'expired');
  return checkoutSessionView(session, ctx.services);
}

/** Expires every open session past its `expires_at`. Returns how many. */
export async function expireDueCheckoutSessions(
  services: PaymentsServices,
  log: Logger,
  limit = 100,
): Promise<number> {
  const due = await query<Pick<CheckoutSessionRow, 'id' | 'merchant_id' | 'livemode'>>(
    services.db.pool,
    `SELECT id, merchant_id, livemode FROM checkout_sessions
      WHERE status = 'open' AND expires_at <= $2 ORDER BY expires_at LIMIT $1`,
    [limit, services.clock.now()],
  );
  const expired = await sweepEach(
    services,
    log,
    due,
    'system:checkout_expiry',
    (ctx, session) =>
      withTransaction(services.db.pool, (tx) => expireCheckoutSession(tx, ctx, session.id)),
    (session, err) => log.debug({ err, session: session.id }, 'checkout session not expired yet'),
  );
  if (expired > 0) log.info({ expired }, 'expired checkout sessions');
  return expired;
}
