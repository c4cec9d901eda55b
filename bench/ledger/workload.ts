import { withTransaction } from '@kassa/db';
import { accountFor, bookEntries, type Leg, Sealer, sealAll } from '@kassa/ledger';
import type pg from 'pg';
import { runFor } from '../lib.ts';

/**
 * bench/ledger's workload, shared with bench/api (which reports the ledger's rate from its own
 * run): `writers` concurrent loops each booking `batch` three-leg entries per transaction
 * (acquirer receivable debit; merchant pending and platform fees credit, the fee account being
 * the hot one), with the sealer chaining in the background as in production.
 */
export async function ledgerWorkload(
  pool: pg.Pool,
  options: { writers: number; batch: number; seconds: number; merchants: number },
) {
  const { writers, batch, seconds, merchants } = options;
  // Accounts: the two platform accounts every entry touches, and one pending account per merchant.
  const accounts = await withTransaction(pool, async (tx) => ({
    receivable: await accountFor(tx, 'acquirer_receivable', 'USD', undefined, true),
    fees: await accountFor(tx, 'platform_fees', 'USD', undefined, true),
    pending: await (async () => {
      const list = [];
      for (let i = 0; i < merchants; i++)
        list.push(await accountFor(tx, 'merchant_pending', 'USD', `mch_bench${i}`, true));
      return list;
    })(),
  }));

  function entries(writer: number, n: number) {
    return Array.from({ length: n }, (_, i) => {
      const m = (writer * 7919 + i * 104729 + Math.floor(Math.random() * merchants)) % merchants;
      const amount = BigInt(1_000 + ((i * 37) % 9_000));
      const fee = (amount * 29n) / 1000n + 30n;
      const legs: Leg[] = [
        { accountId: accounts.receivable.id, side: 'debit', amount, currency: 'USD' },
        {
          accountId: (accounts.pending[m] as { id: string }).id,
          side: 'credit',
          amount: amount - fee,
          currency: 'USD',
        },
        { accountId: accounts.fees.id, side: 'credit', amount: fee, currency: 'USD' },
      ];
      return { code: 'capture', legs, merchantId: `mch_bench${m}` };
    });
  }

  const sealer = new Sealer(pool);
  await sealer.start();
  const cpuBefore = process.cpuUsage();
  const ledger = await runFor(writers, seconds, (writer) =>
    withTransaction(pool, (tx) => bookEntries(tx, entries(writer, batch)).then(() => {})),
  );
  const booked = ledger.latencies.length * batch;
  const cpu = process.cpuUsage(cpuBefore);
  const nodeCpu = (cpu.user + cpu.system) / 1e6 / ledger.elapsed;
  // Whatever the sealer has not chained yet when the writers stop is drained now.
  const [backlog] = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger_seal_queue'))
    .rows;
  const sealStart = performance.now();
  await sealer.stop();
  await sealAll(pool);
  const sealLag = (performance.now() - sealStart) / 1000;
  return {
    entries,
    ledger,
    booked,
    nodeCpu,
    backlog: Number(backlog?.n),
    sealLag,
    sustained: booked / (ledger.elapsed + sealLag),
    entriesPerSecond: booked / ledger.elapsed,
    postingsPerSecond: (booked * 3) / ledger.elapsed,
  };
}
