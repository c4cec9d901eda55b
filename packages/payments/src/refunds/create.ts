import { type createRefundInput, newId, type Refund } from '@kassa/contracts';
import type { Queryable, Transaction } from '@kassa/db';
import { refund as bookRefund } from '@kassa/ledger';
import type { z } from 'zod';
import type { AcquirerRefund, AcquirerRejectedError } from '../acquirer/client.ts';
import { acquirerFor, type DomainContext } from '../context.ts';
import { invalidRequest, unexpectedState } from '../errors.ts';
import type { AcquirerStep } from '../idempotency.ts';
import {
  type AttemptRow,
  holdAttempt,
  insertAttempt,
  isHeld,
  loadAttempt,
  resolveAttempt,
} from '../payments/attempts.ts';
import { recordPaymentIntentEvent } from '../payments/events.ts';
import { ledgerOptions } from '../payments/outcomes.ts';
import { answerOrRefusal, attemptAfterFailedCall, inProgress } from '../payments/steps.ts';
import { adjustAmountRefunded, loadPaymentIntent, savePaymentIntent } from '../payments/store.ts';
import { refundMachine } from '../state-machine.ts';
import {
  insertRefund,
  loadRefund,
  type RefundRow,
  recordRefundEvent,
  refundView,
  saveRefund,
} from './store.ts';

type Outcome = { refund: AcquirerRefund } | { rejected: AcquirerRejectedError };
interface Plan {
  attempt: AttemptRow;
  refundId: string;
  authorizationId: string;
}

/**
 * refunds.create. The refund's amount is reserved against the payment under the payment's row
 * lock (its `amount_refunded` can never pass `amount_received`, a CHECK in the database says so
 * too), so concurrent refunds cannot together exceed what was captured. Then the acquirer
 * refunds, and the ledger books the reversal (the capture's fee is kept).
 */
export function createRefundStep(
  ctx: DomainContext,
  input: z.output<typeof createRefundInput>,
): AcquirerStep<Plan, Outcome, Refund> {
  const { attemptLeaseMs } = ctx.services;
  const acquirer = () => acquirerFor(ctx.services, ctx.principal.livemode);
  return {
    async prepare(tx, resume) {
      if (resume) return resumeRefund(tx, ctx, resume);
      const payment = await loadPaymentIntent(tx, ctx.principal, input.payment_intent, {
        forUpdate: true,
        param: 'payment_intent',
      });
      if (payment.status !== 'succeeded' || !payment.acquirer_authorization_id) {
        throw unexpectedState('payment_intent', payment.status, 'refund');
      }
      const left = payment.amount_received - payment.amount_refunded;
      if (left <= 0n) {
        throw invalidRequest(
          'charge_already_refunded',
          'This payment has already been refunded in full.',
          'payment_intent',
        );
      }
      const amount = input.amount === undefined ? left : BigInt(input.amount);
      if (amount > left) {
        throw invalidRequest(
          'amount_too_large',
          `Refund amount (${amount}) is greater than what is left to refund (${left}).`,
          'amount',
        );
      }
      await adjustAmountRefunded(tx, payment.id, amount);
      const refund: RefundRow = {
        id: newId('refund'),
        merchant_id: payment.merchant_id,
        livemode: payment.livemode,
        payment_intent_id: payment.id,
        amount,
        currency: payment.currency,
        status: 'pending',
        reason: input.reason ?? null,
        failure_reason: null,
        metadata: input.metadata ?? {},
        version: 1,
        created_at: ctx.services.clock.now(),
      };
      await insertRefund(tx, refund);
      await recordRefundEvent(tx, ctx, refund, 'refund.created');
      const attempt = await insertAttempt(
        tx,
        {
          payment_intent_id: payment.id,
          merchant_id: payment.merchant_id,
          livemode: payment.livemode,
          kind: 'refund',
          amount,
          currency: payment.currency,
          refund_id: refund.id,
          acquirer_authorization_id: payment.acquirer_authorization_id,
          created_at: ctx.services.clock.now(),
        },
        attemptLeaseMs,
      );
      return {
        plan: { attempt, refundId: refund.id, authorizationId: payment.acquirer_authorization_id },
      };
    },

    async call({ attempt, authorizationId }, options) {
      return answerOrRefusal(
        acquirer()
          .refund(authorizationId, attempt.id, attempt.amount, options)
          .then((refund) => ({ refund })),
      );
    },

    async finish(tx, plan, outcome) {
      const payment = await loadPaymentIntent(tx, ctx.principal, plan.attempt.payment_intent_id, {
        forUpdate: true,
      });
      const refund = await loadRefund(tx, ctx.principal, plan.refundId, { forUpdate: true });
      const attempt = await loadAttempt(tx, plan.attempt.id, true);
      if (attempt?.status !== 'pending') return refundView(refund);
      if ('rejected' in outcome || outcome.refund.status !== 'succeeded') {
        const reason = 'rejected' in outcome ? outcome.rejected.code : 'declined';
        await settle(tx, ctx, refund, 'refused', reason);
        await resolveAttempt(tx, attempt, 'failed', { failure: { code: reason } });
        return refundView(refund);
      }
      await bookRefund(
        tx,
        {
          merchantId: refund.merchant_id,
          currency: refund.currency,
          amount: refund.amount,
          livemode: refund.livemode,
        },
        ledgerOptions(ctx, refund.id),
      );
      refundMachine.advance(refund, 'refunded');
      refund.version += 1;
      await saveRefund(tx, refund);
      await recordRefundEvent(tx, ctx, refund, 'refund.updated');
      payment.version += 1;
      await savePaymentIntent(tx, payment);
      await recordPaymentIntentEvent(tx, ctx, payment, 'charge.refunded', {
        refund: refundView(refund) as unknown as Record<string, never>,
        amount_refunded: Number(payment.amount_refunded),
      });
      await resolveAttempt(tx, attempt, 'succeeded');
      return refundView(refund);
    },

    async abandon(tx, plan) {
      const refund = await loadRefund(tx, ctx.principal, plan.refundId, { forUpdate: true });
      await settle(tx, ctx, refund, 'abandoned', 'acquirer_unavailable');
      await resolveAttempt(tx, plan.attempt, 'abandoned');
    },

    release: attemptAfterFailedCall.release,
  };
}

/** Resumes the refund left pending by a lost answer (same acquirer key), for the sweep. */
export function resumeRefundStep(
  ctx: DomainContext,
  attemptId: string,
): AcquirerStep<Plan, Outcome, Refund> {
  const step = createRefundStep(ctx, { payment_intent: '' });
  return { ...step, prepare: (tx) => resumeRefund(tx, ctx, attemptId) };
}

/**
 * The refund attempt `attemptId` taken up again: its call made once more with its own acquirer
 * key, so the acquirer refunds once however often it is asked. Resolved meanwhile (by the
 * sweep, or another retry), it answers the refund as it now is.
 */
async function resumeRefund(
  tx: Transaction,
  ctx: DomainContext,
  attemptId: string,
): Promise<{ plan: Plan } | { result: Refund }> {
  const attempt = await loadAttempt(tx, attemptId, true);
  if (
    !attempt?.refund_id ||
    attempt.merchant_id !== ctx.principal.merchantId ||
    attempt.livemode !== ctx.principal.livemode
  ) {
    throw new Error(`attempt ${attemptId} is not a refund of this merchant`);
  }
  if (attempt.status !== 'pending') {
    return { result: refundView(await loadRefund(tx, ctx.principal, attempt.refund_id)) };
  }
  if (isHeld(attempt)) throw inProgress('refund');
  if (!attempt.acquirer_authorization_id) {
    throw new Error(`refund attempt ${attempt.id} names no authorization`);
  }
  await holdAttempt(tx, attempt.id, ctx.services.attemptLeaseMs);
  return {
    plan: {
      attempt,
      refundId: attempt.refund_id,
      authorizationId: attempt.acquirer_authorization_id,
    },
  };
}

/** A refund that will not happen: its reservation is given back. */
async function settle(
  tx: Queryable,
  ctx: DomainContext,
  refund: RefundRow,
  event: 'refused' | 'abandoned',
  reason: string,
): Promise<void> {
  await adjustAmountRefunded(tx, refund.payment_intent_id, -refund.amount);
  refundMachine.advance(refund, event);
  refund.failure_reason = reason;
  refund.version += 1;
  await saveRefund(tx, refund);
  await recordRefundEvent(tx, ctx, refund, 'refund.failed');
}
