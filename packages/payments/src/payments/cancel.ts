import type { CancellationReason, PaymentIntent } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import { release } from '@kassa/ledger';
import { acquirerFor, type DomainContext } from '../context.ts';
import { unexpectedState } from '../errors.ts';
import type { AcquirerStep } from '../idempotency.ts';
import { paymentIntentMachine } from '../state-machine.ts';
import { insertAttempt, openAttempt, resolveAttempt } from './attempts.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { ledgerOptions } from './outcomes.ts';
import {
  type AuthorizationOutcome,
  type AuthorizationPlan,
  answerOrRefusal,
  answerUnderKey,
  attemptAfterFailedCall,
  failRefused,
  inProgress,
  lockForFinish,
  resumeOpenAttempt,
} from './steps.ts';
import { loadPaymentIntent, type PaymentIntentRow, savePaymentIntent } from './store.ts';
import { paymentIntentView } from './view.ts';

/**
 * paymentIntents.cancel (and the expiry of an uncaptured authorization). Before any
 * authorization the payment is simply canceled; after one, the acquirer voids it first, then
 * the ledger releases the hold and the payment is canceled, in one transaction. A payment that
 * is processing or done cannot be canceled (refund it instead).
 */
export function cancelStep(
  ctx: DomainContext,
  input: { id: string; cancellation_reason?: CancellationReason },
): AcquirerStep<AuthorizationPlan, AuthorizationOutcome, PaymentIntent> {
  const { attemptLeaseMs, clientSecretKey } = ctx.services;
  const acquirer = () => acquirerFor(ctx.services, ctx.principal.livemode);
  const reason = input.cancellation_reason ?? null;
  return {
    needsAcquirer: false,
    async prepare(tx, resume) {
      const row = await loadPaymentIntent(tx, ctx.principal, input.id, { forUpdate: true });
      const resumed = await resumeOpenAttempt(
        tx,
        ctx.principal,
        row,
        { kind: 'void', what: 'cancellation', leaseMs: attemptLeaseMs, resume },
        () => paymentIntentView(row, clientSecretKey),
      );
      if (resumed) return resumed;
      const authorizing = await openAttempt(tx, row.id, ['authorize', 'capture']);
      if (authorizing?.status === 'pending') {
        throw inProgress(authorizing.kind === 'capture' ? 'capture' : 'confirmation');
      }
      // Before any authorization: canceled at once.
      if (paymentIntentMachine.can(row.status, 'canceled')) {
        await markCanceled(tx, ctx, row, 'canceled', reason);
        return { result: paymentIntentView(row, clientSecretKey) };
      }
      // With an authorization at the acquirer: voided there first.
      if (
        !paymentIntentMachine.can(row.status, 'authorization_voided') ||
        !row.acquirer_authorization_id
      ) {
        throw unexpectedState('payment_intent', row.status, 'cancel');
      }
      const attempt = await insertAttempt(
        tx,
        {
          payment_intent_id: row.id,
          merchant_id: row.merchant_id,
          livemode: row.livemode,
          kind: 'void',
          amount: row.amount,
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
          () => acquirer().void(authorizationId, attempt.id, options),
          (found) => found.status === 'voided',
        ).then((authorization) => ({ authorization })),
      );
    },

    async finish(tx, plan, outcome) {
      const { row, attempt } = await lockForFinish(tx, ctx.principal, plan.attempt);
      if (attempt?.status !== 'pending') return paymentIntentView(row, clientSecretKey);
      if ('rejected' in outcome) return failRefused(tx, attempt, outcome.rejected);
      const challenged = await openAttempt(tx, row.id, ['authorize']);
      if (challenged) {
        await resolveAttempt(tx, challenged, 'failed', { failure: { code: 'canceled' } });
      }
      await markCanceled(tx, ctx, row, 'authorization_voided', reason);
      await resolveAttempt(tx, attempt, 'succeeded');
      return paymentIntentView(row, clientSecretKey);
    },

    ...attemptAfterFailedCall,
  };
}

export async function markCanceled(
  tx: Queryable,
  ctx: DomainContext,
  row: PaymentIntentRow,
  event: 'canceled' | 'authorization_voided',
  reason: string | null,
): Promise<void> {
  paymentIntentMachine.advance(row, event);
  if (row.hold_id) {
    await release(
      tx,
      { holdId: row.hold_id, merchantId: row.merchant_id },
      ledgerOptions(ctx, row.id),
    );
    row.hold_id = null;
  }
  row.amount_capturable = 0n;
  row.next_action = null;
  row.capture_before = null;
  row.canceled_at = ctx.services.clock.now();
  row.cancellation_reason = reason;
  row.version += 1;
  await savePaymentIntent(tx, row);
  await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.canceled');
}
