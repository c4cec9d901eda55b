import { listAlerts } from '@kassa/risk';
import type pg from 'pg';
import { z } from 'zod';
import type { DashboardPrincipal } from '../procedures.ts';

/**
 * The home page's figures, for today and a period of whole UTC days ending today:
 * - **Volume, fees, refunds, net and count per currency, from the ledger**: the posted legs of the
 *   merchant's `merchant_pending` account in capture, sale and refund entries. A capture credits
 *   it A − F and credits `platform_fees` F (docs/ledger.md), so gross = A, fee = F; a refund
 *   debits it. Net = gross − fees − refunds: what the period added to the merchant's balance.
 * - **A series of daily volume** per currency, for the chart.
 * - **Authorization rate and decline reasons**: the card authorizations the period finished
 *   (`payment_attempts` of kind authorize, succeeded or failed), and the decline codes of the
 *   failed ones, most frequent first.
 * - **What needs attention**: open anomaly alerts (a decline or volume spike, one notice per
 *   episode), payments held for review, webhook deliveries that failed for good in the last 7
 *   days, and authorized payments whose authorization runs out within 24 hours if not captured.
 */
export const PERIODS = { '7d': 7, '30d': 30, '90d': 90 } as const;

export const homeSummaryInput = z
  .object({ period: z.enum(['7d', '30d', '90d']).default('30d') })
  .strict()
  .default({ period: '30d' });

const DAY_MS = 24 * 60 * 60 * 1000;

const startOfUtcDay = (date: Date) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));

interface Totals {
  currency: string;
  gross: number;
  fees: number;
  refunded: number;
  net: number;
  count: number;
}

interface DayRow {
  day: Date;
  currency: string;
  gross: string;
  fees: string;
  refunded: string;
  count: number;
}

/** The merchant's book in the ledger: its id, or `<id>:test` (packages/ledger, books.ts). */
const ledgerOwner = (principal: DashboardPrincipal) =>
  principal.livemode ? principal.merchantId : `${principal.merchantId}:test`;

function total(rows: DayRow[]): Totals[] {
  const byCurrency = new Map<string, Totals>();
  for (const row of rows) {
    const currency = row.currency.toLowerCase();
    const line = byCurrency.get(currency) ?? {
      currency,
      gross: 0,
      fees: 0,
      refunded: 0,
      net: 0,
      count: 0,
    };
    line.gross += Number(row.gross);
    line.fees += Number(row.fees);
    line.refunded += Number(row.refunded);
    line.count += row.count;
    line.net = line.gross - line.fees - line.refunded;
    byCurrency.set(currency, line);
  }
  return [...byCurrency.values()].sort((a, b) => b.gross - a.gross);
}

export async function homeSummary(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof homeSummaryInput>,
  now: Date,
) {
  const days = PERIODS[input.period];
  const today = startOfUtcDay(now);
  const from = new Date(today.getTime() - (days - 1) * DAY_MS);
  // The platform's fee accounts of this mode (one per currency): each capture has a leg there.
  const feeAccounts = await pool.query<{ id: string }>(
    `SELECT id FROM ledger_accounts WHERE owner = $1 AND code = 'platform_fees'`,
    [principal.livemode ? 'platform' : 'platform:test'],
  );
  const [ledger, authorizations, declines, attention] = await Promise.all([
    pool.query<DayRow>(
      `WITH start AS (
         -- The first position in the log of an entry of the period. Entries are dated by their
         -- event's transaction, so positions and dates can disagree slightly; every entry dated
         -- in the period is at or after this position, which is all the bound needs.
         SELECT coalesce(min(event_seq), 9223372036854775807) AS seq
           FROM ledger_entries WHERE created_at >= $2),
       mine AS (
         SELECT p.event_seq, e.code, e.created_at, p.currency, p.amount
           FROM ledger_accounts a
           JOIN ledger_postings p ON p.account_id = a.id AND p.kind = 'posted'
            AND p.event_seq >= (SELECT seq FROM start)
           JOIN ledger_entries e ON e.event_seq = p.event_seq
          WHERE a.owner = $1 AND a.code = 'merchant_pending'
            AND e.code IN ('capture', 'sale', 'refund')
            AND e.created_at >= $2 AND e.created_at <= $3),
       fees AS (
         -- The fee legs of the period, every merchant's: one range of the (account, position)
         -- index, hashed, instead of one lookup per capture.
         SELECT event_seq, sum(amount) AS fee FROM ledger_postings
          WHERE account_id = ANY($4::text[]) AND kind = 'posted'
            AND event_seq >= (SELECT seq FROM start)
          GROUP BY event_seq)
       SELECT date_trunc('day', m.created_at, 'UTC') AS day, m.currency,
              coalesce(sum(m.amount + coalesce(f.fee, 0)) FILTER (WHERE m.code <> 'refund'), 0)::text AS gross,
              coalesce(sum(f.fee) FILTER (WHERE m.code <> 'refund'), 0)::text AS fees,
              coalesce(sum(m.amount) FILTER (WHERE m.code = 'refund'), 0)::text AS refunded,
              (count(*) FILTER (WHERE m.code <> 'refund'))::int AS count
         FROM mine m
         -- The platform's fee leg of the same entry (a capture always has one, maybe of 0).
         LEFT JOIN fees f ON f.event_seq = m.event_seq
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [ledgerOwner(principal), from, now, feeAccounts.rows.map((r) => r.id)],
    ),
    pool.query<{ today: boolean; succeeded: number; failed: number }>(
      `SELECT created_at >= $4 AS today,
              (count(*) FILTER (WHERE status = 'succeeded'))::int AS succeeded,
              (count(*) FILTER (WHERE status = 'failed'))::int AS failed
         FROM payment_attempts
        WHERE merchant_id = $1 AND livemode = $2 AND kind = 'authorize'
          AND created_at >= $3 AND created_at <= $5
        GROUP BY 1`,
      [principal.merchantId, principal.livemode, from, today, now],
    ),
    pool.query<{ reason: string; count: number }>(
      `SELECT coalesce(failure->>'decline_code', failure->>'code', 'unknown') AS reason,
              count(*)::int AS count
         FROM payment_attempts
        WHERE merchant_id = $1 AND livemode = $2 AND kind = 'authorize' AND status = 'failed'
          AND created_at >= $3 AND created_at <= $4
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
      [principal.merchantId, principal.livemode, from, now],
    ),
    pool.query<{
      failed_webhooks: number;
      expiring_authorizations: number;
      open_reviews: number;
    }>(
      `SELECT
         (SELECT count(*)::int FROM reviews
           WHERE merchant_id = $1 AND livemode = $2 AND open) AS open_reviews,
         (SELECT count(*)::int FROM webhook_deliveries d
            JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.livemode = $2
           WHERE d.merchant_id = $1 AND d.status = 'dead'
             AND d.created_at >= $3::timestamptz - interval '7 days') AS failed_webhooks,
         (SELECT count(*)::int FROM payment_intents
           WHERE merchant_id = $1 AND livemode = $2 AND status = 'requires_capture'
             AND capture_before <= $3::timestamptz + interval '24 hours') AS expiring_authorizations`,
      [principal.merchantId, principal.livemode, now],
    ),
  ]);
  const rate = (rows: typeof authorizations.rows) => {
    const succeeded = rows.reduce((sum, r) => sum + r.succeeded, 0);
    const failed = rows.reduce((sum, r) => sum + r.failed, 0);
    return {
      succeeded,
      failed,
      /** Succeeded ÷ finished, in basis points (null: none finished). */
      rate_bps:
        succeeded + failed === 0 ? null : Math.round((succeeded * 10_000) / (succeeded + failed)),
    };
  };
  const flags = attention.rows[0];
  if (!flags) throw new Error('the attention query answered no row');
  const todayRows = ledger.rows.filter((r) => r.day.getTime() >= today.getTime());
  return {
    object: 'home_summary' as const,
    period: input.period,
    /** The first day of the period and today, as UTC dates (YYYY-MM-DD). */
    from: from.toISOString().slice(0, 10),
    to: today.toISOString().slice(0, 10),
    today: {
      totals: total(todayRows),
      authorizations: rate(authorizations.rows.filter((r) => r.today)),
    },
    totals: total(ledger.rows),
    authorizations: rate(authorizations.rows),
    decline_reasons: declines.rows,
    series: ledger.rows.map((r) => ({
      day: r.day.toISOString().slice(0, 10),
      currency: r.currency.toLowerCase(),
      gross: Number(r.gross),
      net: Number(r.gross) - Number(r.fees) - Number(r.refunded),
    })),
    attention: flags,
    /** Open anomaly episodes (a decline or volume spike): the dashboard's notice, one each. */
    alerts: await listAlerts(pool, principal, { open: true, limit: 10 }),
  };
}
