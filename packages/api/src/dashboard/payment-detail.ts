import type { Queryable } from '@kassa/db';
import { loadPaymentIntent, type Principal, paymentIntentView } from '@kassa/payments';

/** The card of a payment as the dashboard shows it: what may be known outside the vault. */
export interface DetailCard {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: string;
  country: string | null;
}

/**
 * Everything the dashboard's payment page shows, read in one call: the payment, its card, its
 * fee and net (from the ledger: the platform_fees legs of its capture), whether 3-D Secure was
 * asked for and how it ended, the timeline of its events (the payment's and its refunds'), the
 * ledger entries that booked it, and the webhook deliveries of its events.
 */
export async function paymentDetail(
  db: Queryable,
  principal: Principal,
  id: string,
  clientSecretKey: Buffer,
) {
  const row = await loadPaymentIntent(db, principal, id);
  const [card, refunds, reviews] = await Promise.all([
    row.payment_method_id
      ? db.query<DetailCard>(
          `SELECT brand, last4, exp_month, exp_year, funding, country FROM payment_methods
            WHERE id = $1 AND merchant_id = $2`,
          [row.payment_method_id, principal.merchantId],
        )
      : undefined,
    db.query<{ id: string }>(
      'SELECT id FROM refunds WHERE payment_intent_id = $1 AND merchant_id = $2 ORDER BY created_at',
      [id, principal.merchantId],
    ),
    db.query<{ id: string }>(
      'SELECT id FROM reviews WHERE payment_intent_id = $1 AND merchant_id = $2 AND open',
      [id, principal.merchantId],
    ),
  ]);
  const objects = [id, ...refunds.rows.map((r) => r.id)];
  const streams = [
    `payment_intent:${id}`,
    ...refunds.rows.map((r) => `refund:${r.id}`),
    ...(row.risk?.review ? [`review:${row.risk.review}`] : []),
  ];

  const [events, postings] = await Promise.all([
    db.query<{ id: string; type: string; occurred_at: Date; stream: string }>(
      `SELECT id, type, occurred_at, stream FROM ledger_events
        WHERE stream = ANY($1) AND merchant_id = $2 ORDER BY seq`,
      [streams, principal.merchantId],
    ),
    // The journal's entries name what they book (data.reference): the payment or a refund.
    db.query<{
      posting_id: string;
      entry_id: string;
      code: string;
      reference: string;
      created_at: Date;
      account: string;
      owner: 'merchant' | 'platform';
      side: 'debit' | 'credit';
      kind: string;
      amount: string;
      currency: string;
    }>(
      `SELECT p.id::text AS posting_id, e.id AS entry_id, e.code, le.data->>'reference' AS reference, e.created_at,
              a.code AS account,
              CASE WHEN a.owner IN ('platform', 'platform:test') THEN 'platform' ELSE 'merchant' END AS owner,
              p.side, p.kind, p.amount::text AS amount, p.currency
         FROM ledger_events le
         JOIN ledger_entries e ON e.event_seq = le.seq
         JOIN ledger_postings p ON p.event_seq = le.seq
         JOIN ledger_accounts a ON a.id = p.account_id
        WHERE le.data->>'reference' = ANY($1) AND le.merchant_id = $2
        ORDER BY le.seq, p.id`,
      [objects, principal.merchantId],
    ),
  ]);
  const deliveries = await db.query<{
    id: string;
    event_id: string;
    event_type: string;
    url: string;
    status: string;
    attempts: number;
    last_attempt_at: Date | null;
    last_response_status: number | null;
    last_error: string | null;
  }>(
    `SELECT d.id, d.event_id, d.event_type, w.url, d.status, d.attempts, d.last_attempt_at,
            d.last_response_status, d.last_error
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
      WHERE d.event_id = ANY($1) AND d.merchant_id = $2
      ORDER BY d.created_at, d.id`,
    [events.rows.map((e) => e.id), principal.merchantId],
  );

  const entries = new Map<
    string,
    {
      id: string;
      code: string;
      reference: string;
      created: number;
      legs: Array<{
        id: string;
        account: string;
        owner: 'merchant' | 'platform';
        side: string;
        kind: string;
        amount: number;
        currency: string;
      }>;
    }
  >();
  for (const p of postings.rows) {
    const entry = entries.get(p.entry_id) ?? {
      id: p.entry_id,
      code: p.code,
      reference: p.reference,
      created: seconds(p.created_at),
      legs: [],
    };
    entry.legs.push({
      id: p.posting_id,
      account: p.account,
      // The platform's books are `platform` and `platform:test` (the ledger's test book).
      owner: p.owner,
      side: p.side,
      kind: p.kind,
      amount: Number(p.amount),
      currency: p.currency.toLowerCase(),
    });
    entries.set(p.entry_id, entry);
  }
  // The fee: what the captures of this payment credited to the platform's fee account.
  const fee = postings.rows
    .filter(
      (p) =>
        p.reference === id &&
        p.account === 'platform_fees' &&
        p.side === 'credit' &&
        p.kind === 'posted',
    )
    .reduce((sum, p) => sum + BigInt(p.amount), 0n);
  const types = events.rows.map((e) => e.type);
  const payment = paymentIntentView(row, clientSecretKey);
  const refunded = BigInt(row.amount_refunded);
  return {
    payment,
    card: card?.rows[0] ?? null,
    fee: Number(fee),
    net: Number(BigInt(row.amount_received) - fee - refunded),
    refunded: Number(refunded),
    /** The review open on this payment, if any (approve or reject it from the risk panel). */
    open_review: reviews.rows[0]?.id ?? null,
    three_d_secure: !types.includes('payment_intent.requires_action')
      ? 'not_requested'
      : row.status === 'requires_action'
        ? 'pending'
        : types.includes('payment_intent.payment_failed') &&
            !types.includes('payment_intent.succeeded') &&
            !types.includes('payment_intent.amount_capturable_updated')
          ? 'failed'
          : 'authenticated',
    timeline: events.rows.map((e) => ({
      id: e.id,
      type: e.type,
      object: e.stream.slice(e.stream.indexOf(':') + 1),
      created: seconds(e.occurred_at),
    })),
    ledger: [...entries.values()],
    webhook_deliveries: deliveries.rows.map((d) => ({
      id: d.id,
      event: d.event_id,
      event_type: d.event_type,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      last_attempt: d.last_attempt_at ? seconds(d.last_attempt_at) : null,
      last_response_status: d.last_response_status,
      last_error: d.last_error,
    })),
  };
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
