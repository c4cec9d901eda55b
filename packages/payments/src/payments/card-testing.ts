import { type Queryable, query } from '@kassa/db';
import type { DomainContext } from '../context.ts';
import { KassaApiError } from '../errors.ts';

/**
 * Card testing: someone with a list of stolen numbers uses a merchant's checkout to find the
 * ones that work, one small payment after another. Kassa counts failed authorizations and
 * refuses new ones past these limits, before anything is written or sent:
 * - per payment: `perPayment` from the merchant's server, `perCheckout` through the hosted
 *   checkout (a checkout session has one payment, so the session locks with it);
 * - per card (the vault's card, the same at every merchant): `perCard` in `windowMs`;
 * - per client address, through the checkout: `perClient` in `windowMs` (the address is the
 *   one Fastify reports, which believes proxy headers only as API_TRUST_PROXY says).
 */
export interface CardTestingLimits {
  perPayment: number;
  perCheckout: number;
  perCard: number;
  perClient: number;
  windowMs: number;
}

export const DEFAULT_CARD_TESTING_LIMITS: CardTestingLimits = {
  perPayment: 10,
  perCheckout: 3,
  perCard: 5,
  perClient: 10,
  windowMs: 60 * 60 * 1000,
};

/** The same answer whichever limit it was: which one would tell an attacker what to vary. */
const tooManyAttempts = () =>
  new KassaApiError({
    type: 'rate_limit_error',
    code: 'payment_attempts_exceeded',
    message: 'This payment cannot be attempted again right now. Use another payment method later.',
    status: 429,
  });

const FAILED = `kind = 'authorize' AND status = 'failed'`;

export async function refuseCardTesting(
  tx: Queryable,
  ctx: DomainContext,
  attempt: { paymentIntentId: string; vaultCardId: string; checkout: boolean },
): Promise<void> {
  const limits = ctx.services.cardTesting;
  // Attempts are dated by the domain's clock, so the window is too (a test moves it).
  const since = new Date(ctx.services.clock.now().getTime() - limits.windowMs);
  const [counts] = await query<{ payment: bigint; card: bigint; client: bigint }>(
    tx,
    `SELECT
       (SELECT count(*) FROM payment_attempts WHERE payment_intent_id = $1 AND ${FAILED}) AS payment,
       (SELECT count(*) FROM payment_attempts a JOIN payment_methods m ON m.id = a.payment_method_id
         WHERE m.vault_card_id = $2 AND a.kind = 'authorize' AND a.status = 'failed'
           AND a.created_at > $3) AS card,
       (SELECT count(*) FROM payment_attempts WHERE $4::inet IS NOT NULL AND client_ip = $4::inet
           AND ${FAILED} AND created_at > $3) AS client`,
    [
      attempt.paymentIntentId,
      attempt.vaultCardId,
      since,
      attempt.checkout ? (ctx.clientIp ?? null) : null,
    ],
  );
  if (!counts) throw new Error('the card testing counts returned no row');
  const perPayment = attempt.checkout ? limits.perCheckout : limits.perPayment;
  const exceeded =
    counts.payment >= BigInt(perPayment) ||
    counts.card >= BigInt(limits.perCard) ||
    counts.client >= BigInt(limits.perClient);
  if (exceeded) {
    ctx.log.warn(
      {
        payment: attempt.paymentIntentId,
        failures: { payment: counts.payment, card: counts.card, client: counts.client },
        checkout: attempt.checkout,
      },
      'refused a confirmation: too many failed authorizations (card testing?)',
    );
    throw tooManyAttempts();
  }
}

/**
 * Decline codes a shopper is not told: they would tell a thief which stolen cards are known to
 * be stolen. The shopper sees a generic decline; the merchant still sees the real code in
 * last_payment_error and the events.
 */
const UNTOLD = new Set([
  'lost_card',
  'stolen_card',
  'fraudulent',
  'pickup_card',
  'restricted_card',
  'security_violation',
  'merchant_blacklist',
  'do_not_honor',
]);

/** The card error (or last_payment_error) as the shopper's browser may see it. */
export function forShopper<T extends { decline_code?: unknown } | null>(error: T): T {
  if (!error || typeof error.decline_code !== 'string' || !UNTOLD.has(error.decline_code))
    return error;
  return {
    ...error,
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  };
}

/** A thrown card error, made shopper-safe (still committed if it was). */
export function shopperSafe(error: unknown): unknown {
  if (!(error instanceof KassaApiError) || error.type !== 'card_error') return error;
  if (!error.declineCode || !UNTOLD.has(error.declineCode)) return error;
  return new KassaApiError({
    type: 'card_error',
    code: 'card_declined',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
    committed: error.committed,
  });
}
