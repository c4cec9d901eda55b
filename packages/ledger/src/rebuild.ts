import { withTransaction } from '@kassa/db';
import type pg from 'pg';
import { readLog } from './events/read.ts';
import { SEAL_LOCK, sealLocked } from './events/sealer.ts';
import { isLedgerEvent, projectEvents } from './journal/projector.ts';

const LOCK_ORDER = [
  'ledger_accounts',
  'ledger_balances',
  'ledger_idempotency_keys',
  'ledger_streams',
  'ledger_events',
  'ledger_seal_queue',
  'ledger_entries',
  'ledger_postings',
  'ledger_holds',
  'ledger_chain',
];

const PROJECTIONS = [
  'ledger_holds',
  'ledger_balances',
  'ledger_postings',
  'ledger_entries',
  'ledger_accounts',
];

/**
 * Throws away every journal projection and recreates it from the log, in log order, in one
 * transaction. While it runs the ledger is offline: no sealer, no appends, no reads of the log
 * or the projections; when it commits, everything reads the new projections at once.
 */
export async function rebuildProjections(
  pool: pg.Pool,
  options: { batchSize?: number; onProgress?: (position: bigint) => void } = {},
): Promise<{ events: number; ledgerEvents: number }> {
  return withTransaction(pool, async (tx) => {
    // No sealer may chain or fold meanwhile (it would fold into rows we are about to replace).
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
    // Every table, up front, in the order writers take them (accounts are read first, the log
    // written after), so a writer in flight finishes first instead of deadlocking with us.
    await tx.query(`LOCK TABLE ${LOCK_ORDER.join(', ')} IN ACCESS EXCLUSIVE MODE`);
    // Committed but unsealed events are in the projections already: chain them so the replay
    // includes them, here, under our lock.
    while ((await sealLocked(tx, 5000)) > 0) {}
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
