import type { PaymentIntent } from '@kassa/contracts';
import { acquirerFor, type DomainContext } from '../context.ts';
import { invalidRequest, unexpectedState } from '../errors.ts';
import type { AcquirerStep } from '../idempotency.ts';
import { paymentIntentMachine } from '../state-machine.ts';
import { insertAttempt, resolveAttempt } from './attempts.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { bookCapture } from './outcomes.ts';
import {
  type AuthorizationOutcome,
  type AuthorizationPlan,
  answerOrRefusal,
  answerUnderKey,
  attemptAfterFailedCall,
  failRefused,
  lockForFinish,
  resumeOpenAttempt,
} from './steps.ts';
import { loadPaymentIntent, savePaymentIntent } from './store.ts';
import { paymentIntentView } from './view.ts';

/**
 * paymentIntents.capture: capture all of an authorization, or `amount_to_capture` of it; the
 * rest of the hold is released. The acquirer captures first; then the ledger posts the hold
 * (fee to the platform) and the payment succeeds, in one transaction.
 */
export function captureStep(
  ctx: DomainContext,
  input: { id: string; amount_to_capture?: number },
): AcquirerStep<AuthorizationPlan, AuthorizationOutcome, PaymentIntent> {
  const { attemptLeaseMs, clientSecretKey } = ctx.services;
  const acquirer = () => acquirerFor(ctx.services, ctx.principal.livemode);
  return {
    async prepare(tx, resume) {
      const row = await loadPaymentIntent(tx, ctx.principal, input.id, { forUpdate: true });
      const resumed = await resumeOpenAttempt(
        tx,
        ctx.principal,
        row,
        { kind: 'capture', what: 'capture', leaseMs: attemptLeaseMs, resume },
        () => paymentIntentView(row, clientSecretKey),
      );
      if (resumed) return resumed;
      if (row.status !== 'requires_capture' || !row.acquirer_authorization_id) {
        throw unexpectedState('payment_intent', row.status, 'capture');
      }
      if (row.capture_before && row.capture_before <= ctx.services.clock.now()) {
        throw invalidRequest(
          'charge_expired_for_capture',
          'This authorization has expired and can no longer be captured.',
        );
      }
      const amount = BigInt(input.amount_to_capture ?? row.amount_capturable);
      if (amount > row.amount_capturable) {
        throw invalidRequest(
          'amount_too_large',
          `amount_to_capture (${amount}) is more than the amount capturable (${row.amount_capturable}).`,
          'amount_to_capture',
        );
      }
      const attempt = await insertAttempt(
        tx,
        {
          payment_intent_id: row.id,
          merchant_id: row.merchant_id,
          livemode: row.livemode,
          kind: 'capture',
          amount,
          currency: row.currency,
          acquirer_authorization_id: row.acquirer_authorization_id,
          created_at: ctx.services.clock.now(),
        },
        attemptLeaseMs,
      );
      return { plan: { attempt, authorizationId: row.acquirer_authorization_id } };
    },

    async call({ attempt, authorizationId, resumed }, options) {
      return answerOrRefusal(
        answerUnderKey(
          ctx,
          attempt.id,
          resumed === true,
          () => acquirer().capture(authorizationId, attempt.id, attempt.amount, options),
          (found) => found.status === 'captured',
        ).then((authorization) => ({ authorization })),
      );
    },

    async finish(tx, plan, outcome) {
      const { row, attempt } = await lockForFinish(tx, ctx.principal, plan.attempt);
      if (attempt?.status !== 'pending') return paymentIntentView(row, clientSecretKey);
      if ('rejected' in outcome) return failRefused(tx, attempt, outcome.rejected);
      if (!row.hold_id) throw new Error(`payment ${row.id} has no hold to capture`);
      await bookCapture(tx, ctx, row, row.hold_id, attempt.amount);
      paymentIntentMachine.advance(row, 'captured');
      row.amount_received = attempt.amount;
      row.amount_capturable = 0n;
      row.hold_id = null;
      row.capture_before = null;
      row.version += 1;
      await savePaymentIntent(tx, row);
      await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.succeeded');
      await resolveAttempt(tx, attempt, 'succeeded');
      return paymentIntentView(row, clientSecretKey);
    },

    ...attemptAfterFailedCall,
  };
}
