import { withTransaction } from '@kassa/db';
import type pg from 'pg';
import { readLog } from './events/read.ts';
import { sealAll } from './events/sealer.ts';
import { isLedgerEvent, projectEvents } from './journal/projector.ts';

const PROJECTIONS = [
  'ledger_holds',
  'ledger_balances',
  'ledger_postings',
  'ledger_entries',
  'ledger_accounts',
];

/**
 * Throws away every journal projection and recreates it from the log, in log order, in one
 * transaction: readers see the old projections until the new ones commit. Appends wait meanwhile
 * (the log is locked against writes), so nothing lands in between.
 */
export async function rebuildProjections(
  pool: pg.Pool,
  options: { batchSize?: number; onProgress?: (position: bigint) => void } = {},
): Promise<{ events: number; ledgerEvents: number }> {
  await sealAll(pool);
  return withTransaction(pool, async (tx) => {
    await tx.query('LOCK TABLE ledger_events IN EXCLUSIVE MODE');
    // Anything that committed between sealAll and the lock gets sealed by the next sealer run;
    // it is already in the projections, which were written with it, so replay the chain only
    // after sealing it here too.
    await sealAll(pool);
    await tx.query(`TRUNCATE ${PROJECTIONS.join(', ')}`);
    let after = 0n;
    let events = 0;
    let ledgerEvents = 0;
    for (;;) {
      const batch = await readLog(tx, { after, limit: options.batchSize ?? 2000 });
      if (batch.length === 0) break;
      await projectEvents(tx, batch, 'rebuild');
      ledgerEvents += batch.filter((event) => isLedgerEvent(event.type)).length;
      events += batch.length;
      after = batch.at(-1)?.position ?? after;
      options.onProgress?.(after);
    }
    return { events, ledgerEvents };
  });
}
