import { query } from '@kassa/db';
import {
  configuredAcquirer,
  type Logger,
  newRequestId,
  type PaymentsServices,
} from '../context.ts';
import { KassaApiError } from '../errors.ts';
import { type AcquirerStep, runAcquirerMutation } from '../idempotency.ts';
import { resumeRefundStep } from '../refunds/create.ts';
import type { AttemptKind } from './attempts.ts';
import { cancelStep } from './cancel.ts';
import { captureStep } from './capture.ts';
import { confirmStep } from './confirm.ts';
import { sweepEach, systemContext } from './system-context.ts';

interface Unresolved {
  id: string;
  kind: AttemptKind;
  merchant_id: string;
  livemode: boolean;
  payment_intent_id: string;
}

/**
 * The recovery sweep: every attempt still pending after its hold ran out (its request lost the
 * acquirer's answer, or its process died mid-call) is resumed — the same call, with the same
 * acquirer idempotency key, so the acquirer answers what it did the first time, or does it now
 * if it never saw it — and its answer applied like any other. Safe to run in every API replica
 * at once: each attempt is taken under its row lock and hold. Returns how many were resolved.
 */
export async function resumeUnresolvedAttempts(
  services: PaymentsServices,
  log: Logger,
  limit = 50,
): Promise<number> {
  const due = await query<Unresolved>(
    services.db.pool,
    `SELECT id, kind, merchant_id, livemode, payment_intent_id FROM payment_attempts
      WHERE status = 'pending' AND locked_until < now() ORDER BY locked_until LIMIT $1`,
    [limit],
  );
  let resolved = 0;
  for (const attempt of due) {
    // Its mode's acquirer only; while that one is down (or, live, not configured), it waits.
    if (!reachable(services, attempt.livemode)) continue;
    const ctx = systemContext(
      services,
      { merchantId: attempt.merchant_id, livemode: attempt.livemode },
      'system:recovery',
      log,
      newRequestId(),
    );
    const id = attempt.payment_intent_id;
    const step: AcquirerStep<{ attempt: { id: string } }, unknown, unknown> =
      attempt.kind === 'authorize'
        ? (confirmStep(ctx, { paymentIntentId: id, checkout: false }, (row) => row) as never)
        : attempt.kind === 'capture'
          ? (captureStep(ctx, { id }) as never)
          : attempt.kind === 'void'
            ? (cancelStep(ctx, { id }) as never)
            : (resumeRefundStep(ctx, attempt.id) as never);
    try {
      await runAcquirerMutation(ctx, `recovery.${attempt.kind}`, { attempt: attempt.id }, step);
      resolved += 1;
    } catch (error) {
      // A decline is a resolution too; anything else stays for the next sweep.
      if (error instanceof KassaApiError && error.type === 'card_error') resolved += 1;
      else log.warn({ attempt: attempt.id, err: error }, 'recovery could not resolve an attempt');
    }
  }
  if (resolved > 0) log.info({ resolved }, 'recovered unresolved acquirer attempts');
  return resolved;
}

/**
 * Cancels (voiding at the acquirer, releasing the hold) every authorization not captured
 * before its capture_before. Returns how many.
 */
export async function expireAuthorizations(
  services: PaymentsServices,
  log: Logger,
  limit = 50,
): Promise<number> {
  const due = await query<{ id: string; merchant_id: string; livemode: boolean }>(
    services.db.pool,
    `SELECT id, merchant_id, livemode FROM payment_intents
      WHERE status = 'requires_capture' AND capture_before < $2 ORDER BY capture_before LIMIT $1`,
    [limit, services.clock.now()],
  );
  return sweepEach(
    services,
    log,
    due.filter((payment) => reachable(services, payment.livemode)),
    'system:authorization_expiry',
    (ctx, payment) =>
      runAcquirerMutation(
        ctx,
        'expiry.cancel',
        { id: payment.id },
        cancelStep(ctx, { id: payment.id, cancellation_reason: 'automatic' }),
      ),
    (payment, error) =>
      log.warn({ payment: payment.id, err: error }, 'could not expire an authorization'),
  );
}

/** Whether the acquirer of a mode is configured and its breaker lets calls through. */
function reachable(services: PaymentsServices, livemode: boolean): boolean {
  return configuredAcquirer(services, livemode)?.available === true;
}
