// bench/dashboard: how fast the dashboard's payments list pages when a merchant has many
// payments. One merchant with --payments payments (100,000 by default; each with a card, a third
// through checkout with a customer email) and another merchant as large beside it, on a fresh
// embedded PostgreSQL; then each list the dashboard makes, as dashboard.paymentIntents.list runs
// it (listDashboardPayments: the page, its cards and customers), many times. Beside it, measured
// in the same run: the bare keyset query of one page (the floor) and a full count of the
// merchant's payments (what any page that scanned them all would cost). Not a test: no thresholds.
//
//   pnpm bench:dashboard [--payments 100000] [--repeat 40]
import { randomBytes } from 'node:crypto';
import { homeSummary, listDashboardPayments } from '@kassa/api';
import { benchDatabase, fmt, option, percentile } from '../lib.ts';

const payments = option('payments', 100_000);
const repeat = option('repeat', 40);
const db = await benchDatabase();
const key = randomBytes(32);
const merchants = ['mch_benchdashboard00000000001', 'mch_benchdashboard00000000002'];

console.log(`bench/dashboard: ${fmt(payments)} payments for each of 2 merchants; ${db.settings}`);
const seeding = performance.now();
for (const [index, merchant] of merchants.entries()) {
  await db.pool.query('INSERT INTO merchants (id, name, updated_at) VALUES ($1, $2, now())', [
    merchant,
    `Bench ${index}`,
  ]);
  // Cards: last 4 spread over 10,000 values, one a payment (about 10 payments per last 4).
  await db.pool.query(
    `INSERT INTO payment_methods (id, merchant_id, livemode, type, vault_card_id, brand, last4,
            exp_month, exp_year, funding, country, fingerprint, billing_details, created_at)
     SELECT 'pm_' || $2 || lpad(g::text, 20, '0'), $1, false, 'card', 'vc_bench',
            CASE WHEN g % 3 = 0 THEN 'mastercard' ELSE 'visa' END, lpad((g % 10000)::text, 4, '0'),
            12, 2031, 'credit', 'US', 'fp' || g, '{}', now() - make_interval(secs => g * 30)
       FROM generate_series(1, $3) g`,
    [merchant, index, payments],
  );
  // Payments, newest first every 30 seconds back, amounts and statuses spread.
  await db.pool.query(
    `INSERT INTO payment_intents (id, merchant_id, livemode, amount, currency, status, capture_method,
            amount_received, payment_method_id, description, version, created_at, updated_at)
     SELECT 'pi_' || $2 || lpad(g::text, 20, '0'), $1, false, 100 + (g * 37) % 100000,
            CASE WHEN g % 5 = 0 THEN 'USD' ELSE 'EUR' END,
            (CASE WHEN g % 10 = 0 THEN 'canceled' ELSE 'succeeded' END)::payment_intent_status,
            'automatic', CASE WHEN g % 10 = 0 THEN 0 ELSE 100 + (g * 37) % 100000 END,
            'pm_' || $2 || lpad(g::text, 20, '0'), 'Order ' || g, 3,
            now() - make_interval(secs => g * 30), now()
       FROM generate_series(1, $3) g`,
    [merchant, index, payments],
  );
  // A third of them through checkout, with the customer's email (about 6 payments per email).
  await db.pool.query(
    `INSERT INTO checkout_sessions (id, merchant_id, livemode, status, amount_total, currency,
            line_items, customer_email, capture_method, success_url, cancel_url, payment_intent_id,
            expires_at, created_at, updated_at)
     SELECT 'cs_' || $2 || lpad(g::text, 20, '0'), $1, false, 'complete', 100, 'EUR', '[]',
            'customer' || (g % 5000) || '@example.com', 'automatic', 'https://shop.example/ok',
            'https://shop.example/cart', 'pi_' || $2 || lpad(g::text, 20, '0'),
            now() + interval '1 day', now() - make_interval(secs => g * 30), now()
       FROM generate_series(1, $3) g WHERE g % 3 = 0`,
    [merchant, index, payments],
  );
  // The ledger's side of each captured payment (a `sale` entry: the merchant's pending account
  // credited A − F, the platform's fees F; the acquirer's leg is left out, this bench only reads)
  // and one authorization attempt per payment (a tenth declined), for the home page's figures.
  const owner = `${merchant}:test`;
  for (const currency of ['EUR', 'USD']) {
    await db.pool.query(
      `INSERT INTO ledger_accounts (id, owner, code, currency, normal_balance, opened_event_seq, created_at)
       VALUES ($1, $2, 'merchant_pending', $3, 'credit', 0, now())`,
      [`acct_bench${index}${currency}`, owner, currency],
    );
  }
  await db.pool.query(
    `INSERT INTO ledger_entries (id, event_seq, code, created_at)
     SELECT 'je_' || $1::text || lpad(g::text, 20, '0'),
            -- Positions grow with time, as the log's do: g = 1 is the newest payment.
            $1::int * 10000000::bigint + ($2::int - g), 'sale',
            p.created_at
       FROM generate_series(1, $2::int) g
       JOIN payment_intents p ON p.id = 'pi_' || $1::text || lpad(g::text, 20, '0')
      WHERE p.status = 'succeeded'`,
    [String(index), payments],
  );
  await db.pool.query(
    `INSERT INTO ledger_postings (entry_id, account_id, side, kind, amount, currency, event_seq)
     SELECT e.id,
            CASE WHEN leg = 1 THEN 'acct_bench' || $1::text || p.currency
                 ELSE 'acct_benchfees' || p.currency END,
            'credit', 'posted',
            CASE WHEN leg = 1 THEN p.amount_received - (p.amount_received * 29 / 1000 + 25)
                 ELSE p.amount_received * 29 / 1000 + 25 END,
            p.currency, e.event_seq
       FROM ledger_entries e
       JOIN payment_intents p ON p.id = 'pi_' || substr(e.id, 4)
       CROSS JOIN generate_series(1, 2) leg
      WHERE e.id LIKE 'je_' || $1::text || '%'`,
    [String(index)],
  );
  await db.pool.query(
    `INSERT INTO payment_attempts (id, payment_intent_id, merchant_id, livemode, kind, status, amount,
            currency, locked_until, failure, created_at, updated_at)
     SELECT 'pa_' || $2 || lpad(g::text, 20, '0'), 'pi_' || $2 || lpad(g::text, 20, '0'), $1, false,
            'authorize', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 100, 'EUR', now(),
            CASE WHEN g % 10 = 0 THEN jsonb_build_object('code', 'card_declined', 'decline_code',
              (ARRAY['insufficient_funds', 'generic_decline', 'expired_card'])[1 + g % 3]) END,
            now() - make_interval(secs => g * 30), now()
       FROM generate_series(1, $3) g`,
    [merchant, index, payments],
  );
}
for (const currency of ['EUR', 'USD']) {
  await db.pool.query(
    `INSERT INTO ledger_accounts (id, owner, code, currency, normal_balance, opened_event_seq, created_at)
     VALUES ($1, 'platform:test', 'platform_fees', $2, 'credit', 0, now())`,
    [`acct_benchfees${currency}`, currency],
  );
}
await db.pool.query('VACUUM ANALYZE');
console.log(`seeded in ${fmt((performance.now() - seeding) / 1000, 1)} s\n`);

const principal = {
  merchantId: merchants[0] as string,
  livemode: false,
  keyId: 'usr_bench',
  kind: 'dashboard' as const,
};
const deep = `pi_0${String(Math.floor(payments * 0.9)).padStart(20, '0')}`;

/** Runs `work` `repeat` times after 3 warm-ups; returns p50, p95 and max in milliseconds. */
async function measure(work: () => Promise<unknown>) {
  for (let i = 0; i < 3; i += 1) await work();
  const times: number[] = [];
  for (let i = 0; i < repeat; i += 1) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
}

const cases: Array<[string, Record<string, unknown>]> = [
  ['first page (25)', {}],
  ['page 90% deep (starting_after)', { starting_after: deep }],
  ['status = canceled', { status: 'canceled' }],
  ['card last 4 = 4242', { last4: '4242' }],
  ['customer email', { customer_email: 'customer42@example.com' }],
  ['currency USD, amount 500.00–600.00', { currency: 'USD', amount: { gte: 50_000, lte: 60_000 } }],
  [
    'created in one day, a month back',
    {
      created: {
        gte: Math.floor(Date.now() / 1000) - 31 * 86_400,
        lt: Math.floor(Date.now() / 1000) - 30 * 86_400,
      },
    },
  ],
  ['last 4 0000 in JPY (nothing matches)', { last4: '0000', currency: 'JPY' }],
];

// BENCH_EXPLAIN=1: the plan of the card last 4 list, as PostgreSQL runs it.
if (process.env.BENCH_EXPLAIN) {
  const { rows: plan } = await db.pool.query(
    `EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM payment_intents
      WHERE merchant_id = $1 AND livemode = false
        AND payment_method_id = ANY (ARRAY(SELECT pm.id FROM payment_methods pm
          WHERE pm.merchant_id = ($2::text[])[1] AND pm.livemode = ($2::text[])[2]::boolean
            AND pm.last4 = ($2::text[])[3]::char(4)))
      ORDER BY created_at DESC, id DESC LIMIT 26`,
    [principal.merchantId, [principal.merchantId, 'false', '4242']],
  );
  for (const line of plan) console.log(line['QUERY PLAN']);
}

const rows: string[] = [];
const row = (name: string, r: { p50: number; p95: number; max: number }, note = '') =>
  rows.push(
    `${name.padEnd(42)} ${fmt(r.p50, 2).padStart(8)} ${fmt(r.p95, 2).padStart(8)} ${fmt(r.max, 2).padStart(8)}  ${note}`,
  );
for (const [name, filters] of cases) {
  let found = 0;
  const result = await measure(async () => {
    const page = await listDashboardPayments(
      db.pool,
      principal,
      { limit: 25, ...filters } as never,
      key,
    );
    found = page.data.length;
  });
  row(name, result, `${found} on the page`);
}
row(
  'baseline: bare keyset query of one page',
  await measure(() =>
    db.pool.query(
      `SELECT * FROM payment_intents WHERE merchant_id = $1 AND livemode = false
        ORDER BY created_at DESC, id DESC LIMIT 26`,
      [principal.merchantId],
    ),
  ),
);
row(
  "baseline: count(*) of the merchant's payments",
  await measure(() =>
    db.pool.query('SELECT count(*) FROM payment_intents WHERE merchant_id = $1', [
      principal.merchantId,
    ]),
  ),
);
// The home page's summary (dashboard.home.summary): the ledger's legs and the authorization
// attempts of each period, beside the plain sum of the payments' received amounts over 90 days.
const home = { ...principal, userId: 'usr_bench', role: 'owner' as const };
for (const period of ['7d', '30d', '90d'] as const) {
  let captured = 0;
  const result = await measure(async () => {
    const summary = await homeSummary(db.pool, home, { period }, new Date());
    captured = summary.totals.reduce((sum, t) => sum + t.count, 0);
  });
  row(`home summary, ${period}`, result, `${fmt(captured)} captures`);
}
row(
  'baseline: sum(amount_received), 90 days',
  await measure(() =>
    db.pool.query(
      `SELECT currency, sum(amount_received) FROM payment_intents
        WHERE merchant_id = $1 AND livemode = false AND created_at >= now() - interval '90 days'
        GROUP BY currency`,
      [principal.merchantId],
    ),
  ),
);
console.log(
  `${'list (ms)'.padEnd(42)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}`,
);
for (const line of rows) console.log(line);
await db.close();
