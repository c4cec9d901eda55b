import { query, withTransaction } from '@kassa/db';
import type pg from 'pg';
import {
  accountFor,
  authorize,
  bookEntries,
  capture,
  disputeOpened,
  disputeWon,
  fee,
  LedgerError,
  makeAvailable,
  payout,
  payoutPaid,
  refund,
  release,
  settleFromAcquirer,
} from '../src/index.ts';

/** One business operation of a random workload (amounts in minor units). */
export type Operation =
  | { op: 'authorize'; merchant: number; currency: number; amount: number }
  | { op: 'capture'; pick: number; fraction: number; fee: number }
  | { op: 'release'; pick: number }
  | {
      op: 'refund' | 'makeAvailable' | 'payout' | 'payoutPaid';
      merchant: number;
      currency: number;
      amount: number;
    }
  | { op: 'settle'; currency: number; amount: number; acquirerFee: number }
  | { op: 'dispute'; merchant: number; currency: number; amount: number; fee: number; won: boolean }
  | { op: 'fee'; merchant: number; currency: number; amount: number }
  | { op: 'bulk'; merchant: number; currency: number; amounts: number[] };

const CURRENCIES = ['USD', 'JPY', 'KWD'];

/**
 * Runs operations as the platform would, each in its own transaction. Operations the ledger
 * refuses (a payout beyond what is available, a hold already resolved) fail with a LedgerError
 * and are skipped, as a real caller would; anything else is a bug and is rethrown.
 */
export async function runWorkload(
  pool: pg.Pool,
  operations: Operation[],
): Promise<{ refused: number }> {
  const holds: Array<{ holdId: string; merchantId: string; currency: string; amount: bigint }> = [];
  let refused = 0;
  for (const o of operations) {
    try {
      await withTransaction(pool, async (tx) => {
        const currency =
          'currency' in o ? (CURRENCIES[o.currency % CURRENCIES.length] as string) : 'USD';
        const merchantId = 'merchant' in o ? `mch_w${o.merchant % 3}` : 'mch_w0';
        const amount = 'amount' in o ? BigInt(o.amount) : 0n;
        switch (o.op) {
          case 'authorize': {
            const held = await authorize(tx, { merchantId, livemode: true, currency, amount });
            holds.push({ holdId: held.holdId, merchantId, currency, amount });
            return;
          }
          case 'capture':
          case 'release': {
            const hold = holds[o.pick % Math.max(holds.length, 1)];
            if (!hold) return;
            if (o.op === 'release') return void (await release(tx, hold));
            const captured = (hold.amount * BigInt(o.fraction)) / 100n || 1n;
            const fee = BigInt(o.fee) > captured ? captured : BigInt(o.fee);
            return void (await capture(tx, { ...hold, livemode: true, amount: captured, fee }));
          }
          case 'settle':
            return void (await settleFromAcquirer(tx, {
              currency,
              livemode: true,
              gross: amount + BigInt(o.acquirerFee),
              acquirerFee: BigInt(o.acquirerFee),
            }));
          case 'dispute': {
            await disputeOpened(tx, {
              merchantId,
              livemode: true,
              currency,
              amount,
              fee: BigInt(o.fee),
            });
            if (o.won) await disputeWon(tx, { merchantId, livemode: true, currency, amount });
            return;
          }
          case 'fee':
            return void (await fee(tx, {
              merchantId,
              livemode: true,
              currency,
              amount,
              reason: 'test',
            }));
          case 'bulk': {
            // Settlement-style bulk booking: many entries in one transaction.
            const pending = await accountFor(tx, 'merchant_pending', currency, merchantId, true);
            const available = await accountFor(
              tx,
              'merchant_available',
              currency,
              merchantId,
              true,
            );
            return void (await bookEntries(
              tx,
              o.amounts.map((a) => ({
                code: 'bulk_settle',
                merchantId,
                legs: [
                  { accountId: pending.id, side: 'debit' as const, amount: BigInt(a), currency },
                  { accountId: available.id, side: 'credit' as const, amount: BigInt(a), currency },
                ],
              })),
            ));
          }
          default:
            return void (await { refund, makeAvailable, payout, payoutPaid }[o.op](tx, {
              merchantId,
              livemode: true,
              currency,
              amount,
            }));
        }
      });
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      refused += 1;
    }
  }
  return { refused };
}

/** Everything the journal projections say, in a comparable form. */
export async function snapshotProjections(db: pg.Pool) {
  return {
    balances: await query(
      db,
      `SELECT account_id, sum(debits_pending)::text AS dp, sum(credits_pending)::text AS cp,
              sum(debits_posted)::text AS dpo, sum(credits_posted)::text AS cpo
         FROM ledger_balances GROUP BY account_id ORDER BY account_id`,
    ),
    accounts: await query(
      db,
      'SELECT id, owner, code, currency, normal_balance FROM ledger_accounts ORDER BY id',
    ),
    entries: await query(db, 'SELECT id, code, hold_id FROM ledger_entries ORDER BY id'),
    postings: await query(
      db,
      'SELECT entry_id, account_id, side, kind, amount::text, currency FROM ledger_postings ORDER BY entry_id, account_id, side, kind, amount',
    ),
    holds: await query(
      db,
      'SELECT id, status, amount::text, posted_amount::text FROM ledger_holds ORDER BY id',
    ),
  };
}
