// bench/ledger: concurrent writers book balanced three-leg entries (acquirer receivable debit;
// merchant pending and platform fees credit, the fee account being the hot one) with durable
// commits, then the same posting rows are inserted raw into an identical table, same writers,
// same batch size, same database. Prints both rates and their ratio. Not a test: no thresholds.
//
//   pnpm bench:ledger [--writers 8] [--batch 250] [--seconds 10] [--merchants 200]
import { withTransaction } from '@kassa/db';
import { verifyLedger } from '@kassa/ledger';
import { benchDatabase, fmt, option, percentile, runFor } from '../lib.ts';
import { ledgerWorkload } from './workload.ts';

const writers = option('writers', 8);
const batch = option('batch', 250);
const seconds = option('seconds', 10);
const merchants = option('merchants', 200);

const db = await benchDatabase();
console.log('bench/ledger');
console.log(`  ${db.settings}`);
console.log(
  `  ${writers} concurrent writers, ${batch} entries per transaction, ${seconds} s per phase, ${merchants} merchants\n`,
);

const { entries, ledger, booked, nodeCpu, backlog, sealLag, sustained } = await ledgerWorkload(
  db.pool,
  { writers, batch, seconds, merchants },
);

// Phase 2: the same posting rows, raw, into a table with the same columns and indexes.
await db.pool.query('CREATE TABLE bench_raw_postings (LIKE ledger_postings INCLUDING ALL)');
const raw = await runFor(writers, seconds, async (writer) => {
  const legs = entries(writer, batch).flatMap((e, i) =>
    e.legs.map((l) => ({ ...l, entry: `je_raw${writer}_${i}` })),
  );
  await withTransaction(db.pool, (tx) =>
    tx.query(
      `INSERT INTO bench_raw_postings (entry_id, account_id, side, kind, amount, currency, event_seq)
       SELECT e, a, s::ledger_side, 'posted', x, c, 0
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS t(e, a, s, x, c)`,
      [
        legs.map((l) => l.entry),
        legs.map((l) => l.accountId),
        legs.map((l) => l.side),
        legs.map((l) => l.amount.toString()),
        legs.map((l) => l.currency),
      ],
    ),
  );
});
const rawRows = raw.latencies.length * batch * 3;

const entriesPerSecond = booked / ledger.elapsed;
const postingsPerSecond = (booked * 3) / ledger.elapsed;
const rawPerSecond = rawRows / raw.elapsed;
console.log(
  'ledger (bookEntries: validation, accounts, event + seal queue, entries, postings; the sealer chains and folds balances)',
);
console.log(
  `  entries/s          ${fmt(entriesPerSecond)}   (${fmt(booked)} entries in ${fmt(ledger.elapsed, 1)} s)`,
);
console.log(`  postings/s         ${fmt(postingsPerSecond)}`);
console.log(
  `  append latency     p50 ${fmt(percentile(ledger.latencies, 50), 1)} ms, p99 ${fmt(percentile(ledger.latencies, 99), 1)} ms per transaction of ${batch} entries`,
);
console.log(
  `  sealer             ${fmt(backlog)} events not yet chained when the writers stopped; drained in ${fmt(sealLag, 2)} s`,
);
console.log(
  `  end to end         ${fmt(sustained)} entries/s appended and sealed (positions, hash chain, balances folded)`,
);
console.log(
  `  node CPU           ${fmt(nodeCpu * 100)}% of one core (writers and sealer; PostgreSQL has the rest)`,
);
console.log('raw baseline (batched INSERT of the same posting rows into an identical table)');
console.log(
  `  rows/s             ${fmt(rawPerSecond)}   (${fmt(rawRows)} rows in ${fmt(raw.elapsed, 1)} s)`,
);
console.log(
  `  latency            p50 ${fmt(percentile(raw.latencies, 50), 1)} ms, p99 ${fmt(percentile(raw.latencies, 99), 1)} ms`,
);
console.log(`ratio: ledger postings/s ÷ raw rows/s = ${fmt(postingsPerSecond / rawPerSecond, 2)}`);

const verifyStart = performance.now();
const report = await verifyLedger(db.pool);
console.log(
  `\nkassa ledger verify on the result: ${report.ok ? 'OK' : `FAILED (${report.problems[0]?.message})`} — ${fmt(report.events)} events in ${fmt((performance.now() - verifyStart) / 1000, 1)} s`,
);
await db.close();
