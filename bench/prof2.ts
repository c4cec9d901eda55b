import { withTransaction } from '@kassa/db';
import { accountFor, bookEntries, type Leg, Sealer } from '@kassa/ledger';
import { benchDatabase } from '/work/main/bench/lib.ts';

const db = await benchDatabase();
const accounts = await withTransaction(db.pool, async (tx) => ({
  receivable: await accountFor(tx, 'acquirer_receivable', 'USD'),
  fees: await accountFor(tx, 'platform_fees', 'USD'),
  pending: await Promise.all(
    Array.from({ length: 200 }, (_, i) => accountFor(tx, 'merchant_pending', 'USD', `mch_${i}`)),
  ),
}));
const entries = () =>
  Array.from({ length: 100 }, (_, i) => ({
    code: 'c',
    merchantId: 'mch_p',
    legs: [
      { accountId: accounts.receivable.id, side: 'debit', amount: 1000n, currency: 'USD' },
      {
        accountId: accounts.pending[Math.floor(Math.random() * 200)]!.id,
        side: 'credit',
        amount: 960n,
        currency: 'USD',
      },
      { accountId: accounts.fees.id, side: 'credit', amount: 40n, currency: 'USD' },
    ] as Leg[],
  }));
const sealer = new Sealer(db.pool, { pollMs: 20 });
if (process.env.SEAL) await sealer.start();
let stop = false;
let n = 0;
const waits = new Map<string, number>();
const sampler = (async () => {
  while (!stop) {
    const r = await db.pool.query(
      `SELECT coalesce(wait_event_type,'CPU')||':'||coalesce(wait_event,'-') AS w, state FROM pg_stat_activity WHERE datname='bench' AND pid <> pg_backend_pid() AND state <> 'idle'`,
    );
    for (const row of r.rows) waits.set(row.w, (waits.get(row.w) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 5));
  }
})();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (performance.now() - t0 < 5000) {
      await withTransaction(db.pool, (tx) => bookEntries(tx, entries()));
      n += 100;
    }
  }),
);
stop = true;
await sampler;
if (process.env.SEAL) await sealer.stop();
console.log('entries/s', (n / ((performance.now() - t0) / 1000)).toFixed(0));
for (const [k, v] of [...waits].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(String(v).padStart(6), k);
await db.close();
