import { type Queryable, query } from '@kassa/db';

/** The length of an anomaly-detection interval (risk_intervals). */
export const ANOMALY_INTERVAL_MINUTES = 5;

/**
 * The fraud service's consumer: what it keeps from each payment event. An event of a payment
 * (`payment_intent:<id>`) makes it look at that payment's authorization attempts that have an
 * outcome and record each once (one row per attempt, upserted as its outcome moves on: a
 * 3-D Secure challenge becomes authorized or failed_3ds). The first time an attempt is seen
 * authorized, its amount joins the merchant's daily amounts. Idempotent: an event delivered
 * twice, or events of one payment out of order, leave the same rows. Run it in a transaction:
 * the observation and the counters it adds to are written together or not at all.
 */
export async function observePayment(tx: Queryable, paymentIntentId: string): Promise<number> {
  const rows = await query<{
    before: string | null;
    after: string;
    day: string;
    interval_at: Date;
    merchant_id: string;
    livemode: boolean;
    currency: string;
    amount: bigint;
  }>(
    tx,
    `WITH attempts AS (
       SELECT a.id, a.merchant_id, a.livemode, a.payment_intent_id, m.fingerprint,
              lower(nullif(m.billing_details->>'email', '')) AS email, a.client_ip, pi.customer_id,
              a.amount, a.currency, a.created_at,
              CASE
                WHEN a.status = 'succeeded' THEN 'authorized'
                WHEN a.status = 'requires_action' THEN 'requires_action'
                WHEN a.failure->>'decline_code' = 'authentication_failed' THEN 'failed_3ds'
                ELSE 'declined'
              END AS outcome
         FROM payment_attempts a JOIN payment_methods m ON m.id = a.payment_method_id
         JOIN payment_intents pi ON pi.id = a.payment_intent_id
        WHERE a.payment_intent_id = $1 AND a.kind = 'authorize'
          AND a.status IN ('succeeded', 'failed', 'requires_action')
     )
     INSERT INTO risk_observations AS o (attempt_id, merchant_id, livemode, payment_intent_id,
       card_fingerprint, email, ip, customer_id, amount, currency, outcome, observed_at)
     SELECT id, merchant_id, livemode, payment_intent_id, fingerprint, email, client_ip,
            customer_id, amount, currency, outcome, created_at FROM attempts
     ON CONFLICT (attempt_id) DO UPDATE SET outcome = EXCLUDED.outcome
       WHERE o.outcome IS DISTINCT FROM EXCLUDED.outcome AND o.outcome = 'requires_action'
     RETURNING old.outcome AS before, new.outcome AS after,
               to_char(new.observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
               date_bin('${ANOMALY_INTERVAL_MINUTES} minutes', new.observed_at, 'epoch') AS interval_at,
               new.merchant_id, new.livemode, new.currency, new.amount`,
    [paymentIntentId],
  );
  // An attempt counts in its interval once, when it first has its outcome (a challenge's
  // requires_action is not one yet).
  const decided = rows.filter(
    (r) => r.after !== 'requires_action' && (r.before === null || r.before === 'requires_action'),
  );
  for (const row of decided) {
    await query(
      tx,
      `INSERT INTO risk_intervals (merchant_id, livemode, starts_at, attempts, declines)
       VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (merchant_id, livemode, starts_at)
       DO UPDATE SET attempts = risk_intervals.attempts + 1,
                     declines = risk_intervals.declines + EXCLUDED.declines`,
      [row.merchant_id, row.livemode, row.interval_at, row.after === 'authorized' ? 0 : 1],
    );
  }
  const authorized = rows.filter((r) => r.after === 'authorized' && r.before !== 'authorized');
  for (const row of authorized) {
    await query(
      tx,
      `INSERT INTO risk_amount_days (merchant_id, livemode, currency, day, payments, amount)
       VALUES ($1, $2, $3, $4::date, 1, $5)
       ON CONFLICT (merchant_id, livemode, currency, day)
       DO UPDATE SET payments = risk_amount_days.payments + 1,
                     amount = risk_amount_days.amount + EXCLUDED.amount`,
      [row.merchant_id, row.livemode, row.currency, row.day, row.amount],
    );
  }
  return rows.length;
}
