import type { Queryable } from '@kassa/db';
import { AcquirerRejectedError } from '../acquirer/client.ts';
import { KassaApiError } from '../errors.ts';
import type { Principal } from '../trpc/procedures.ts';
import { type AttemptRow, loadAttempt, resolveAttempt } from './attempts.ts';
import { loadPaymentIntent } from './store.ts';

// What the acquirer steps (confirm, capture, cancel, refund) share.

export const inProgress = (what: string) =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: `A ${what} of this payment is in progress; retrieve it in a moment.`,
    status: 409,
  });

/** The acquirer refused an operation Kassa believed valid: the books and the acquirer disagree. */
export const acquirerRefused = (error: AcquirerRejectedError) =>
  new KassaApiError({
    type: 'api_error',
    code: 'acquirer_rejected',
    message: `The card network refused the operation (${error.code}). Nothing changed; contact support if it persists.`,
    status: 502,
    committed: true,
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
  attemptId: string,
  rejected: AcquirerRejectedError,
): Promise<never> {
  await resolveAttempt(tx, attemptId, 'failed', {
    failure: { code: rejected.code, status: rejected.status },
  });
  throw acquirerRefused(rejected);
}
