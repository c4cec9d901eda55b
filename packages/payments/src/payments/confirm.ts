import type { billingDetailsInput, cardWithCvcInput } from '@kassa/contracts';
import type { Transaction } from '@kassa/db';
import { validateCard } from '@kassa/vault';
import type { z } from 'zod';
import type { AcquirerAuthorization, AcquirerRejectedError } from '../acquirer/client.ts';
import { acquirerFor, type DomainContext } from '../context.ts';
import { invalidRequest, KassaApiError, notFound, unexpectedState } from '../errors.ts';
import type { AcquirerStep } from '../idempotency.ts';
import { loadPaymentMethod } from '../payment-methods/store.ts';
import { cardValidationError, tokenizeCard } from '../payment-methods/tokenize.ts';
import { paymentIntentMachine } from '../state-machine.ts';
import {
  type AttemptRow,
  holdAttempt,
  insertAttempt,
  isHeld,
  openAttempt,
  releaseAttempt,
  resolveAttempt,
} from './attempts.ts';
import { refuseCardTesting, shopperSafe } from './card-testing.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { applyAuthorization, cardError, failPayment } from './outcomes.ts';
import {
  assessmentOfAttempt,
  decideRisk,
  openReview,
  riskOnPayment,
  type StoredAssessment,
} from './risk.ts';
import { answerOrRefusal, answerUnderKey, lockForFinish, settledAttempt } from './steps.ts';
import { loadPaymentIntent, type PaymentIntentRow, savePaymentIntent } from './store.ts';

export interface ConfirmRequest {
  paymentIntentId: string;
  payment_method?: string;
  payment_method_data?: {
    type: 'card';
    card: z.output<typeof cardWithCvcInput>;
    billing_details?: z.output<typeof billingDetailsInput>;
  };
  return_url?: string;
  /** Checkout may only use payment methods it tokenized for this payment. */
  checkout: boolean;
  /**
   * The 3-D Secure return of this attempt: only bring that very challenge up to date from the
   * acquirer. Any other state (a new attempt since, a payment method attached, a lost answer) is
   * left untouched and answered as it is: this path never authorizes anything.
   */
  challengeOf?: string;
}

export type ConfirmPlan =
  | {
      kind: 'authorize';
      attempt: AttemptRow;
      vaultCardId: string;
      expMonth: number;
      expYear: number;
      /** Automatic capture: authorize and capture in one message. */
      capture: boolean;
      /** The attempt was made before (its answer was lost): this call is a retry of it. */
      resumed: boolean;
      /** In memory only, for this one call: never written anywhere. */
      cvc?: string;
    }
  | { kind: 'sync'; attempt: AttemptRow };

export type ConfirmOutcome = (
  | { authorization: AcquirerAuthorization }
  | { rejected: AcquirerRejectedError }
  /** The risk rules (or the merchant's fallback) blocked it: the acquirer was not asked. */
  | { blocked: true }
) & {
  /**
   * The risk decision this call made or found (null: the payment is not scored, no fraud
   * service); absent when the call made none (the 3-D Secure return): finish reads it then.
   */
  risk?: StoredAssessment | null;
};

const CONFIRMABLE = new Set(['requires_payment_method', 'requires_confirmation', 'processing']);

/**
 * paymentIntents.confirm as the three steps of runAcquirerMutation: record the authorization
 * attempt (tokenizing the card first when checkout sends it), ask the acquirer, apply its answer.
 * A payment in requires_action is brought up to date from the acquirer (the 3-D Secure result);
 * an attempt left unresolved by a lost answer is resumed with its own acquirer key.
 */
export function confirmStep<View>(
  ctx: DomainContext,
  request: ConfirmRequest,
  view: (row: PaymentIntentRow) => View,
): AcquirerStep<ConfirmPlan, ConfirmOutcome, View> {
  const { vault, attemptLeaseMs } = ctx.services;
  const acquirer = () => acquirerFor(ctx.services, ctx.principal.livemode);
  const step: AcquirerStep<ConfirmPlan, ConfirmOutcome, View> = {
    async prepare(tx, resume) {
      const row = await loadPaymentIntent(tx, ctx.principal, request.paymentIntentId, {
        forUpdate: true,
      });
      // The retry of a confirmation whose answer was lost, resolved since by the sweep.
      const settled = resume && (await settledAttempt(tx, ctx.principal, resume));
      if (settled) {
        const declineCode = (settled.failure as { decline_code?: string } | null)?.decline_code;
        if (settled.status === 'failed' && declineCode) throw cardError(declineCode, false);
        if (settled.status !== 'succeeded')
          throw unexpectedState('payment_intent', row.status, 'confirm');
        return { result: view(row) };
      }
      const open = await openAttempt(tx, row.id, ['authorize']);
      if (request.challengeOf !== undefined) {
        const waiting = open?.id === request.challengeOf && open.status === 'requires_action';
        return waiting ? { plan: { kind: 'sync', attempt: open } } : { result: view(row) };
      }
      if (open?.status === 'requires_action') return { plan: { kind: 'sync', attempt: open } };
      if (open) {
        if (isHeld(open)) {
          throw new KassaApiError({
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: 'This payment is being confirmed by another request; retrieve it in a moment.',
            status: 409,
          });
        }
        const pm = await attemptCard(tx, open);
        await refuseAnotherCard(ctx, open, pm, request);
        await holdAttempt(tx, open.id, attemptLeaseMs);
        return { plan: planOf(open, pm, row, request.payment_method_data?.card.cvc, true) };
      }
      if (!CONFIRMABLE.has(row.status)) {
        throw unexpectedState('payment_intent', row.status, 'confirm');
      }

      let paymentMethodId = request.payment_method ?? row.payment_method_id ?? undefined;
      let cvc: string | undefined;
      if (request.payment_method_data) {
        const { card, billing_details } = request.payment_method_data;
        try {
          validateCard(card, ctx.services.clock.now());
        } catch (error) {
          throw cardValidationError(error, 'payment_method_data.card');
        }
        const pm = await tokenizeCard(tx, ctx, card, billing_details, {
          paramPrefix: 'payment_method_data.card',
          forPaymentIntent: row.id,
        });
        paymentMethodId = pm.id;
        cvc = card.cvc;
      }
      if (!paymentMethodId) {
        throw invalidRequest(
          'payment_method_required',
          'You cannot confirm this payment without a payment method: pass payment_method.',
          'payment_method',
        );
      }
      const pm = await loadPaymentMethod(tx, ctx.principal, paymentMethodId, 'payment_method');
      if (request.checkout && pm.payment_intent_id !== row.id) {
        throw notFound('payment_method', paymentMethodId, 'payment_method');
      }
      // Past the card-testing limits: refused, and (this transaction rolls back) nothing written.
      await refuseCardTesting(tx, ctx, {
        paymentIntentId: row.id,
        vaultCardId: pm.vault_card_id,
        checkout: request.checkout,
      });
      const attempt = await insertAttempt(
        tx,
        {
          payment_intent_id: row.id,
          merchant_id: row.merchant_id,
          livemode: row.livemode,
          kind: 'authorize',
          amount: row.amount,
          currency: row.currency,
          payment_method_id: pm.id,
          return_url: request.return_url ?? null,
          client_ip: request.checkout ? (ctx.clientIp ?? null) : null,
          created_at: ctx.services.clock.now(),
        },
        attemptLeaseMs,
      );
      return { plan: planOf(attempt, pm, row, cvc, false) };
    },

    async call(plan, options): Promise<ConfirmOutcome> {
      if (plan.kind === 'sync') {
        const authorizationId = plan.attempt.acquirer_authorization_id;
        if (!authorizationId) {
          throw new Error(
            `attempt ${plan.attempt.id} awaits 3-D Secure but names no authorization`,
          );
        }
        return answerOrRefusal(
          acquirer()
            .retrieve(authorizationId)
            .then((authorization) => ({ authorization })),
        );
      }
      const { attempt } = plan;
      // The risk decision first (stored, so a resumed attempt keeps it): a block never
      // reaches the acquirer; a review authorizes without capture, for a person to decide.
      const risk = (await decideRisk(ctx, attempt, plan.resumed)) ?? null;
      if (risk?.outcome === 'block') return { blocked: true, risk };
      const number = await vault.reveal(ctx.services.db.pool, plan.vaultCardId);
      const authorize = () =>
        acquirer().authorize(
          attempt.id,
          {
            amount: attempt.amount,
            currency: attempt.currency,
            capture: plan.capture && risk?.outcome !== 'review',
            ...(risk?.outcome === 'request_3ds' && { three_d_secure: 'required' as const }),
            merchant: attempt.merchant_id,
            reference: attempt.payment_intent_id,
            card: {
              number,
              exp_month: plan.expMonth,
              exp_year: plan.expYear,
              ...(plan.cvc && { cvc: plan.cvc }),
            },
            return_url: `${ctx.services.publicUrl}/v1/3ds/return/${attempt.id}`,
          },
          options,
        );
      // Whatever the first try came to (approved, captured, declined, 3-D Secure) is the answer.
      const answer = await answerOrRefusal(
        answerUnderKey(ctx, attempt.id, plan.resumed, authorize, () => true).then(
          (authorization) => ({ authorization }),
        ),
      );
      return { ...answer, risk };
    },

    async finish(tx, plan, outcome) {
      const { row, attempt } = await lockForFinish(tx, ctx.principal, plan.attempt);
      // Resolved meanwhile (by a retry, or the recovery sweep): the payment is as it is.
      if (!attempt || (attempt.status !== 'pending' && attempt.status !== 'requires_action')) {
        return view(row);
      }
      const assessment =
        outcome.risk === undefined
          ? await assessmentOfAttempt(tx, attempt.id)
          : (outcome.risk ?? undefined);
      if ('blocked' in outcome) {
        if (!assessment) throw new Error(`attempt ${attempt.id} was blocked without a decision`);
        riskOnPayment(row, assessment, false);
        ctx.log.info(
          { attempt: attempt.id, rule: assessment.rule_id, decidedBy: assessment.decided_by },
          'blocked by the risk rules',
        );
        return failPayment(tx, ctx, row, attempt, 'fraudulent', null);
      }
      if ('rejected' in outcome) {
        ctx.log.error(
          { attempt: attempt.id, code: outcome.rejected.code, status: outcome.rejected.status },
          'the acquirer refused an authorization request',
        );
        if (assessment) riskOnPayment(row, assessment, false);
        return failPayment(tx, ctx, row, attempt, 'processing_error', null);
      }
      if (
        outcome.authorization.status === 'requires_action' &&
        attempt.status === 'requires_action'
      ) {
        return view(row); // the shopper has not finished the challenge yet
      }
      const authorized =
        outcome.authorization.status === 'approved' || outcome.authorization.status === 'captured';
      const opens = assessment ? riskOnPayment(row, assessment, authorized) : undefined;
      const applied = await applyAuthorization(tx, ctx, row, attempt, outcome.authorization);
      if (opens && assessment) await openReview(tx, ctx, applied, assessment, opens);
      return view(applied);
    },

    async abandon(tx, plan) {
      if (plan.kind === 'authorize') await resolveAttempt(tx, plan.attempt, 'abandoned');
    },

    async release(tx, plan) {
      if (plan.kind !== 'authorize') return;
      await releaseAttempt(tx, plan.attempt.id);
      // The acquirer may have authorized: until the attempt is resumed, the payment is processing.
      const row = await loadPaymentIntent(tx, ctx.principal, plan.attempt.payment_intent_id, {
        forUpdate: true,
      });
      if (row.status !== 'processing') {
        paymentIntentMachine.advance(row, 'answer_lost');
        row.payment_method_id = plan.attempt.payment_method_id;
        row.version += 1;
        await savePaymentIntent(tx, row);
        await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.processing');
      }
    },
  };
  if (!request.checkout) return step;
  // The shopper's browser: lost, stolen, fraudulent… declines are told as a generic decline.
  const safe = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      throw shopperSafe(error);
    });
  return {
    ...step,
    prepare: (tx, resume) => safe(step.prepare(tx, resume)),
    finish: (tx, plan, outcome) => safe(step.finish(tx, plan, outcome)),
  };
}

interface AttemptCard {
  vault_card_id: string;
  exp_month: number;
  exp_year: number;
}

/** The card an authorization attempt was made with. */
async function attemptCard(tx: Transaction, attempt: AttemptRow): Promise<AttemptCard> {
  const { rows } = await tx.query<AttemptCard>(
    'SELECT vault_card_id, exp_month, exp_year FROM payment_methods WHERE id = $1',
    [attempt.payment_method_id],
  );
  const pm = rows[0];
  if (!pm) throw new Error(`attempt ${attempt.id} names no payment method`);
  return pm;
}

/**
 * A confirmation resuming an unfinished attempt must bring that attempt's card (or none): with
 * another, the acquirer would be asked again for the old card under the new card's CVC. 409.
 */
async function refuseAnotherCard(
  ctx: DomainContext,
  open: AttemptRow,
  pm: AttemptCard,
  request: ConfirmRequest,
): Promise<void> {
  const card = request.payment_method_data?.card;
  const sameCard = card
    ? card.exp_month === pm.exp_month &&
      card.exp_year === pm.exp_year &&
      (await ctx.services.vault.holds(ctx.services.db.pool, pm.vault_card_id, card.number))
    : request.payment_method === undefined || request.payment_method === open.payment_method_id;
  if (sameCard) return;
  throw new KassaApiError({
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message:
      'A confirmation of this payment with another card is unfinished: retry it with the same card, or retrieve the payment once it has been resolved.',
    param: card ? 'payment_method_data.card' : 'payment_method',
    status: 409,
  });
}

/** The authorization to ask the acquirer for: the attempt's card, and capture at once or not. */
function planOf(
  attempt: AttemptRow,
  pm: { vault_card_id: string; exp_month: number; exp_year: number },
  row: PaymentIntentRow,
  cvc: string | undefined,
  resumed: boolean,
): ConfirmPlan {
  return {
    kind: 'authorize',
    resumed,
    attempt,
    vaultCardId: pm.vault_card_id,
    expMonth: pm.exp_month,
    expYear: pm.exp_year,
    capture: row.capture_method === 'automatic',
    cvc,
  };
}
