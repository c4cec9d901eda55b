// bench/settlement: how long the daily close takes for a day of --payments card payments (100,000
// by default) spread over --merchants merchants (100) in two currencies, each merchant with a
// bank account, on a fresh embedded PostgreSQL with durable commits. The payments are booked
// as the payments API books a sale (acquirer receivable, merchant pending less the fee, platform
// fee), with their payment ids as references, on one day; then the close of the day their funds
// come due, in its two parts as the worker runs them:
//   1. the sweep: one balance transaction per journal entry (the projection);
//   2. the units: per merchant and currency, the due transactions made available (one ledger
//      entry), and a payout of them (one entry, one payout, its transaction);
// beside, in the same run, the bare SQL that computes each unit's due total from the same
// postings (what any close must at least read), and a raw INSERT … SELECT of the same 100,000
// balance transaction rows. After the close, `verifySettlement` checks the books.
//
//   pnpm bench:settlement [--payments 100000] [--merchants 100]
import { ManualClock, newId } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { accountFor, bookEntries, type Leg, sealAll } from '@kassa/ledger';
import {
  addBankAccount,
  closeDay,
  DEFAULT_CALENDAR,
  endOf,
  sweepBalanceTransactions,
  verifySettlement,
} from '@kassa/settlement';
import { parseVaultKeys, Vault } from '@kassa/vault';
import { benchDatabase, fmt, option } from '../lib.ts';

const payments = option('payments', 100_000);
const merchantCount = option('merchants', 100);
const db = await benchDatabase();
const vault = new Vault(
  parseVaultKeys(
    'kbench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    'fingerprint-key-for-the-settlement-bench-0123',
  ),
);
const DAY = '2026-03-02';
const clock = new ManualClock(new Date(`${DAY}T12:00:00Z`));
const merchants = Array.from({ length: merchantCount }, () => newId('merchant')).sort();
const currencies = ['EUR', 'USD'];

console.log(
  `bench/settlement: ${fmt(payments)} payments of ${fmt(merchantCount)} merchants in ${currencies.length} currencies; ${db.settings}`,
);

const seeding = performance.now();
for (const merchantId of merchants) {
  await withTransaction(db.pool, async (tx) => {
    for (const currency of currencies) {
      await addBankAccount(
        tx,
        { merchantId, livemode: false },
        {
          currency: currency.toLowerCase(),
          country: 'US',
          account_holder_name: 'Bench',
          account_number: '000123456789',
        },
        { vault, clock },
      );
      for (const code of ['merchant_pending', 'merchant_available'] as const)
        await accountFor(tx, code, currency, merchantId, false);
    }
  });
}
const accounts = new Map<string, string>();
await withTransaction(db.pool, async (tx) => {
  for (const merchantId of merchants)
    for (const currency of currencies)
      accounts.set(
        `${merchantId} ${currency}`,
        (await accountFor(tx, 'merchant_pending', currency, merchantId, false)).id,
      );
  for (const currency of currencies) {
    accounts.set(
      `receivable ${currency}`,
      (await accountFor(tx, 'acquirer_receivable', currency, undefined, false)).id,
    );
    accounts.set(
      `fees ${currency}`,
      (await accountFor(tx, 'platform_fees', currency, undefined, false)).id,
    );
  }
});
const BATCH = 500;
for (let start = 0; start < payments; start += BATCH) {
  const entries: Array<{ code: string; merchantId: string; reference: string; legs: Leg[] }> = [];
  for (let i = start; i < Math.min(payments, start + BATCH); i += 1) {
    const merchantId = merchants[i % merchantCount] as string;
    const currency = currencies[Math.floor(i / merchantCount) % currencies.length] as string;
    const amount = BigInt(500 + ((i * 7919) % 50_000));
    const fee = (amount * 29n) / 1000n + 30n;
    entries.push({
      code: 'sale',
      merchantId,
      reference: newId('paymentIntent'),
      legs: [
        {
          accountId: accounts.get(`receivable ${currency}`) as string,
          side: 'debit' as const,
          amount,
          currency,
        },
        {
          accountId: accounts.get(`${merchantId} ${currency}`) as string,
          side: 'credit' as const,
          amount: amount - fee,
          currency,
        },
        {
          accountId: accounts.get(`fees ${currency}`) as string,
          side: 'credit' as const,
          amount: fee,
          currency,
        },
      ],
    });
  }
  await withTransaction(db.pool, (tx) => bookEntries(tx, entries, { occurredAt: clock.now() }));
}
await sealAll(db.pool);
console.log(`seeded in ${fmt((performance.now() - seeding) / 1000, 1)} s (booked and sealed)`);

// Baseline 1: each unit's due total, straight from the postings.
let started = performance.now();
const baseline = await db.pool.query(
  `SELECT a.owner, a.currency, sum(CASE WHEN p.side = 'credit' THEN p.amount ELSE -p.amount END) AS due, count(*)
     FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
     JOIN ledger_entries e ON e.id = p.entry_id
    WHERE a.code = 'merchant_pending' AND p.kind = 'posted'
      AND e.created_at >= $1::date AND e.created_at < $1::date + 1
    GROUP BY a.owner, a.currency`,
  [DAY],
);
const aggregateMs = performance.now() - started;

// Baseline 2: the same number of balance transaction rows, inserted raw from the postings.
await db.pool.query('CREATE TABLE bench_raw_txns (LIKE balance_transactions INCLUDING ALL)');
started = performance.now();
await db.pool.query(
  `INSERT INTO bench_raw_txns (id, merchant_id, livemode, type, amount, fee, net, currency, fee_details,
          status, available_on, source, ledger_entry_id, created_at)
   SELECT 'txn_' || p.entry_id, a.owner, false, 'charge', p.amount, 0, p.amount, a.currency, '[]',
          'pending', $1::date + 2, p.entry_id, p.entry_id, now()
     FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
    WHERE a.code = 'merchant_pending'`,
  [DAY],
);
const rawInsertMs = performance.now() - started;

// The close, in the worker's two parts.
started = performance.now();
const swept = await withTransaction(db.pool, (tx) =>
  sweepBalanceTransactions(tx, { calendar: DEFAULT_CALENDAR }),
);
const sweepMs = performance.now() - started;
const due = '2026-03-04';
clock.set(endOf(due, DEFAULT_CALENDAR));
started = performance.now();
const closed = await closeDay(
  { pool: db.pool, clock, calendar: DEFAULT_CALENDAR, actor: 'bench' },
  due,
);
const unitsMs = performance.now() - started;
const report = await verifySettlement(db.pool);

const rows = [
  [
    'Sweep: balance transactions written',
    `${fmt(swept)} in ${fmt(sweepMs)} ms (${fmt((swept / sweepMs) * 1000)}/s)`,
  ],
  ['Baseline: raw INSERT … SELECT of as many rows', `${fmt(payments)} in ${fmt(rawInsertMs)} ms`],
  [
    'Units closed (made available + paid out)',
    `${fmt(closed.units.length)} units, ${fmt(closed.units.filter((u) => u.payoutId).length)} payouts in ${fmt(unitsMs)} ms (${fmt(unitsMs / closed.units.length, 1)} ms a unit)`,
  ],
  ['Close of the day in all (sweep + units)', `${fmt(sweepMs + unitsMs)} ms`],
  [
    'Baseline: SQL aggregate of the due totals',
    `${fmt(baseline.rowCount ?? 0)} units in ${fmt(aggregateMs)} ms`,
  ],
  ['Close ÷ aggregate', `${fmt((sweepMs + unitsMs) / aggregateMs, 1)}×`],
  [
    'verifySettlement',
    report.problems.length === 0
      ? `OK (${report.accounts} accounts, ${report.payouts} payouts)`
      : report.problems.join('; '),
  ],
];
for (const [what, value] of rows) console.log(`${(what as string).padEnd(46)} ${value}`);
await db.close();
if (report.problems.length > 0) process.exit(1);
