import { newId, type PaymentIntentRisk } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import {
  type Assessment,
  FraudServiceUnavailableError,
  levelOf,
  type ScoreRequest,
} from '@kassa/risk';
import type { DomainContext } from '../context.ts';
import type { AttemptRow } from './attempts.ts';
import { recordReviewEvent, reviewView } from './reviews.ts';
import type { PaymentIntentRow } from './store.ts';

/**
 * The risk decision on one authorization attempt, as stored (risk_assessments): by the fraud
 * service's rules, or by the merchant's fallback when the service gave no answer in time.
 */
export interface StoredAssessment {
  id: string;
  attempt_id: string;
  outcome: 'allow' | 'review' | 'block' | 'request_3ds';
  score: number | null;
  decided_by: 'rules' | 'fallback';
  fallback_reason: PaymentIntentRisk['fallback_reason'];
  rule_id: string | null;
  rule_predicate: string | null;
  reasons: PaymentIntentRisk['reasons'];
}

export type RiskFallback = 'allow_and_review' | 'block';

const SELECT = `SELECT id, attempt_id, outcome, score, decided_by, fallback_reason, rule_id,
  rule_predicate, reasons FROM risk_assessments`;

export async function assessmentOfAttempt(
  db: Queryable,
  attemptId: string,
): Promise<StoredAssessment | undefined> {
  const [row] = await query<StoredAssessment>(db, `${SELECT} WHERE attempt_id = $1`, [attemptId]);
  return row;
}

/**
 * Decides the risk of an authorization attempt before the acquirer is asked (no transaction is
 * open: the call to the fraud service is short but still a network call):
 * - an attempt decided before (its answer was lost, and this is the retry: `resumed`) keeps its
 *   decision; a new attempt has none, and is not looked up;
 * - else the fraud service is asked; if it is slow, down, or its breaker or bulkhead refuses, the
 *   merchant's fallback decides (`allow_and_review` or `block`) and the decision says so.
 * The decision is stored before it is acted on; two requests resuming one attempt at once store
 * one decision, and both act on it. Without a fraud service (FRAUD_URL unset): undefined, and
 * the payment is not scored.
 */
export async function decideRisk(
  ctx: DomainContext,
  attempt: AttemptRow,
  resumed: boolean,
): Promise<StoredAssessment | undefined> {
  const fraud = ctx.services.fraud;
  if (!fraud) return undefined;
  const pool = ctx.services.db.pool;
  if (resumed) {
    const decided = await assessmentOfAttempt(pool, attempt.id);
    if (decided) return decided;
  }

  const request = await scoreRequestOf(pool, attempt);
  let assessment: Assessment | undefined;
  let fallbackReason: StoredAssessment['fallback_reason'] = null;
  try {
    assessment = await fraud.score(request);
  } catch (error) {
    if (!(error instanceof FraudServiceUnavailableError)) throw error;
    fallbackReason = error.reason;
    ctx.log.warn(
      { attempt: attempt.id, reason: error.reason, message: error.message },
      'the fraud service gave no decision: the merchant’s fallback decides',
    );
  }
  const fallback = assessment ? undefined : await fallbackOf(pool, attempt);
  const [stored] = await query<StoredAssessment>(
    pool,
    `WITH inserted AS (
       INSERT INTO risk_assessments (id, attempt_id, payment_intent_id, merchant_id, livemode,
         outcome, score, decided_by, fallback_reason, rule_id, rule_predicate, reasons, features,
         created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (attempt_id) DO NOTHING
       RETURNING id, attempt_id, outcome, score, decided_by, fallback_reason, rule_id,
                 rule_predicate, reasons)
     SELECT * FROM inserted
     UNION ALL ${SELECT} WHERE attempt_id = $2 AND NOT EXISTS (SELECT 1 FROM inserted)`,
    [
      newId('riskAssessment'),
      attempt.id,
      attempt.payment_intent_id,
      attempt.merchant_id,
      attempt.livemode,
      assessment ? assessment.outcome : fallback === 'block' ? 'block' : 'allow',
      assessment?.score ?? null,
      assessment ? 'rules' : 'fallback',
      fallbackReason,
      assessment?.rule?.id ?? null,
      assessment?.rule?.predicate ?? null,
      JSON.stringify(assessment?.reasons ?? []),
      assessment ? JSON.stringify(assessment.features) : null,
      ctx.services.clock.now(),
    ],
  );
  // A decision stored by another request after this statement's snapshot was taken is not in
  // its answer (ON CONFLICT waited for it, the SELECT cannot see it): read it in a new one.
  const decision = stored ?? (await assessmentOfAttempt(pool, attempt.id));
  if (!decision) throw new Error(`no risk assessment stored for attempt ${attempt.id}`);
  return decision;
}

/** The merchant's fallback in the attempt's mode (allow_and_review unless it chose block). */
async function fallbackOf(db: Queryable, attempt: AttemptRow): Promise<RiskFallback> {
  const [row] = await query<{ fallback: RiskFallback }>(
    db,
    'SELECT fallback FROM risk_settings WHERE merchant_id = $1 AND livemode = $2',
    [attempt.merchant_id, attempt.livemode],
  );
  return row?.fallback ?? 'allow_and_review';
}

/**
 * What the fraud service is told: the payment's amount, card (never its number), email, address
 * and customer.
 */
async function scoreRequestOf(db: Queryable, attempt: AttemptRow): Promise<ScoreRequest> {
  const [pm] = await query<{
    fingerprint: string;
    brand: string;
    funding: string;
    country: string | null;
    email: string | null;
    customer_id: string | null;
  }>(
    db,
    `SELECT m.fingerprint, m.brand, m.funding, m.country,
            nullif(m.billing_details->>'email', '') AS email, pi.customer_id
       FROM payment_methods m, payment_intents pi WHERE m.id = $1 AND pi.id = $2`,
    [attempt.payment_method_id, attempt.payment_intent_id],
  );
  if (!pm) throw new Error(`attempt ${attempt.id} names no payment method`);
  return {
    merchant: attempt.merchant_id,
    livemode: attempt.livemode,
    payment_intent: attempt.payment_intent_id,
    attempt: attempt.id,
    amount: Number(attempt.amount),
    currency: attempt.currency,
    card: {
      fingerprint: pm.fingerprint,
      brand: pm.brand,
      funding: pm.funding,
      country: pm.country?.trim().toUpperCase() || null,
    },
    email: pm.email?.toLowerCase() ?? null,
    ip: attempt.client_ip,
    ...(pm.customer_id !== null && { customer: pm.customer_id }),
  };
}

/** `payment_intent.risk` for a decision (and the review it opened). */
export function riskView(assessment: StoredAssessment, review: string | null): PaymentIntentRisk {
  const score = assessment.score;
  return {
    outcome: assessment.outcome,
    score,
    level: score === null ? null : levelOf(score),
    decided_by: assessment.decided_by,
    fallback_reason: assessment.fallback_reason,
    rule:
      assessment.rule_id && assessment.rule_predicate
        ? {
            id: assessment.rule_id,
            action: assessment.outcome,
            predicate: assessment.rule_predicate,
          }
        : null,
    reasons: assessment.reasons,
    review,
  };
}

/**
 * Does this decision hold the payment for a person? A `review` outcome does (the payment was
 * authorized without capture); so does the `allow_and_review` fallback (the payment went ahead
 * as usual, and someone looks at it after).
 */
export function needsReview(assessment: StoredAssessment): 'rule' | 'fallback' | undefined {
  if (assessment.outcome === 'review') return 'rule';
  if (assessment.decided_by === 'fallback' && assessment.outcome === 'allow') return 'fallback';
  return undefined;
}

/**
 * Before an attempt's outcome is applied (in the transaction that applies it): records the
 * decision on the payment (`risk`, saved with the outcome), and when the decision holds the
 * payment for a person and the payment is being authorized, names the review it opens (a
 * decline needs none). Returns that review's id, for openReview once the payment is saved.
 */
export function riskOnPayment(
  row: PaymentIntentRow,
  assessment: StoredAssessment,
  authorized: boolean,
): { review: string; reason: 'rule' | 'fallback' } | undefined {
  const reason = needsReview(assessment);
  const opens = reason && authorized ? { review: newId('review'), reason } : undefined;
  row.risk = riskView(assessment, opens?.review ?? null);
  return opens;
}

/** Opens the review riskOnPayment named, with its `review.opened` event. */
export async function openReview(
  tx: Queryable,
  ctx: DomainContext,
  row: PaymentIntentRow,
  assessment: StoredAssessment,
  opened: { review: string; reason: 'rule' | 'fallback' },
): Promise<void> {
  const created = ctx.services.clock.now();
  await query(
    tx,
    `INSERT INTO reviews (id, merchant_id, livemode, payment_intent_id, assessment_id, open,
       opened_reason, created_at)
     VALUES ($1, $2, $3, $4, $5, true, $6, $7)`,
    [opened.review, row.merchant_id, row.livemode, row.id, assessment.id, opened.reason, created],
  );
  await recordReviewEvent(
    tx,
    ctx,
    reviewView({
      id: opened.review,
      livemode: row.livemode,
      payment_intent_id: row.id,
      open: true,
      opened_reason: opened.reason,
      closed_reason: null,
      created_at: created,
      closed_at: null,
    }),
    'review.opened',
  );
}
