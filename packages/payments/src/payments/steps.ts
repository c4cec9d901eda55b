import type { Queryable } from '@kassa/db';
import { type AcquirerAuthorization, AcquirerRejectedError } from '../acquirer/client.ts';
import { acquirerFor, type DomainContext, type Principal } from '../context.ts';
import { KassaApiError } from '../errors.ts';
import {
  type AttemptKind,
  type AttemptRow,
  holdAttempt,
  isHeld,
  loadAttempt,
  openAttempt,
  releaseAttempt,
  resolveAttempt,
} from './attempts.ts';
import { loadPaymentIntent, type PaymentIntentRow } from './store.ts';

// What the acquirer steps (confirm, capture, cancel, refund) share.

export const inProgress = (what: string) =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: `A ${what} of this payment is in progress; retrieve it in a moment.`,
    status: 409,
  });

/** The acquirer refused an operation Kassa believed valid: the books and the acquirer disagree. */
export const acquirerRefused = (error: AcquirerRejectedError, committed = true) =>
  new KassaApiError({
    type: 'api_error',
    code: 'acquirer_rejected',
    message: `The card network refused the operation (${error.code}). Nothing changed; contact support if it persists.`,
    status: 502,
    committed,
  });

/**
 * The acquirer's answer; or, when it refused (a 4xx: it understood and said no), the refusal as
 * a value, for `finish` to record. Anything else (timeouts, 5xx) is thrown on.
 */
export async function answerOrRefusal<T>(
  call: Promise<T>,
): Promise<T | { rejected: AcquirerRejectedError }> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof AcquirerRejectedError) return { rejected: error };
    throw error;
  }
}

/** A call on an existing authorization (capture, void): which attempt, on which authorization. */
export interface AuthorizationPlan {
  attempt: AttemptRow;
  authorizationId: string;
  /** The attempt was made before (its answer was lost): this call is a retry of it. */
  resumed?: boolean;
}

/**
 * The acquirer's answer to an attempt's call, where a refusal of a retry (an earlier try, in
 * this call or a lost one, may have reached the acquirer) is not taken as the answer until the
 * acquirer has said what that key did: if the first try went through, its authorization (when
 * `went` recognises it) is the answer; otherwise the refusal stands.
 */
export async function answerUnderKey(
  ctx: DomainContext,
  attemptId: string,
  resumed: boolean,
  call: () => Promise<AcquirerAuthorization>,
  went: (authorization: AcquirerAuthorization) => boolean,
): Promise<AcquirerAuthorization> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof AcquirerRejectedError) || !(error.afterRetry || resumed)) throw error;
    const found = await acquirerFor(ctx.services, ctx.principal.livemode).findAuthorization(
      attemptId,
    );
    if (!found || !went(found)) throw error;
    ctx.log.warn(
      { attempt: attemptId, code: error.code, authorization: found.id },
      'the acquirer refused a retry of a call that had gone through: taking the first answer',
    );
    return found;
  }
}

/** What the acquirer said to a call on an authorization. */
export type AuthorizationOutcome =
  | { authorization: AcquirerAuthorization }
  | { rejected: AcquirerRejectedError };

/**
 * The payment's attempt of `kind` still open, resumed: refused while another request holds it
 * (409, `what` in progress), else taken over so its call is made again with the same key.
 * `resume` is the attempt the request's Idempotency-Key left unresolved: if the sweep resolved it
 * since, the request answers what it came to (`view`, or the refusal) instead of starting anew.
 */
export async function resumeOpenAttempt<Result>(
  tx: Queryable,
  principal: Principal,
  row: PaymentIntentRow,
  step: { kind: AttemptKind; what: string; leaseMs: number; resume?: string },
  view: () => Result,
): Promise<{ plan: AuthorizationPlan } | { result: Result } | undefined> {
  if (step.resume) {
    const settled = await settledAttempt(tx, principal, step.resume);
    if (settled?.status === 'failed') throw refusalOf(settled);
    if (settled) return { result: view() };
  }
  const open = await openAttempt(tx, row.id, [step.kind]);
  if (!open) return undefined;
  if (isHeld(open)) throw inProgress(step.what);
  if (!row.acquirer_authorization_id) {
    throw new Error(`payment ${row.id} has an open ${step.kind} attempt but no authorization`);
  }
  await holdAttempt(tx, open.id, step.leaseMs);
  return {
    plan: { attempt: open, authorizationId: row.acquirer_authorization_id, resumed: true },
  };
}

/**
 * The attempt a retried request's key names, if it has been resolved since its answer was lost
 * (undefined while it is still open). It is this merchant's: keys are.
 */
export async function settledAttempt(
  tx: Queryable,
  principal: Principal,
  attemptId: string,
): Promise<AttemptRow | undefined> {
  const attempt = await loadAttempt(tx, attemptId, true);
  if (
    !attempt ||
    attempt.merchant_id !== principal.merchantId ||
    attempt.livemode !== principal.livemode
  ) {
    throw new Error(`attempt ${attemptId} is not one of this merchant's`);
  }
  return attempt.status === 'pending' || attempt.status === 'requires_action' ? undefined : attempt;
}

/** The acquirer's refusal a failed capture or void recorded, answered again (nothing is stored). */
function refusalOf(attempt: AttemptRow): KassaApiError {
  const failure = attempt.failure as { code?: string; status?: number } | null;
  if (!failure?.code || !failure.status) {
    throw new Error(`failed attempt ${attempt.id} recorded no refusal`);
  }
  return acquirerRefused(new AcquirerRejectedError(failure.status, failure.code, ''), false);
}

/** When the call never left (abandon) or its answer was lost (release): the attempt's fate. */
export const attemptAfterFailedCall = {
  async abandon(tx: Queryable, plan: { attempt: AttemptRow }) {
    await resolveAttempt(tx, plan.attempt, 'abandoned');
  },
  async release(tx: Queryable, plan: { attempt: AttemptRow }) {
    await releaseAttempt(tx, plan.attempt.id);
  },
};

/** The start of every `finish`: the payment under its row lock, then its attempt as it now is. */
export async function lockForFinish(tx: Queryable, principal: Principal, planned: AttemptRow) {
  const row = await loadPaymentIntent(tx, principal, planned.payment_intent_id, {
    forUpdate: true,
  });
  const attempt = await loadAttempt(tx, planned.id, true);
  return { row, attempt };
}

/** Records the acquirer's refusal on the attempt, then answers it (502 acquirer_rejected). */
export async function failRefused(
  tx: Queryable,
  attempt: AttemptRow,
  rejected: AcquirerRejectedError,
): Promise<never> {
  await resolveAttempt(tx, attempt, 'failed', {
    failure: { code: rejected.code, status: rejected.status },
  });
  throw acquirerRefused(rejected);
}
