import { type Queryable, query } from '@kassa/db';
import { accountsOfOwner, balanceOf, getBalance, merchantOfOwner } from '@kassa/ledger';

export interface SettlementReport {
  /** Merchant accounts compared (available and pending, per merchant, mode and currency). */
  accounts: number;
  payouts: number;
  /** Each disagreement, in words; empty when the books agree. */
  problems: string[];
}

/**
 * Checks that balance transactions and the ledger tell the same story (`kassa settlement
 * verify`, and the tests after every scenario):
 * - each merchant's available balance in the ledger equals the sum of its available balance
 *   transactions, and its pending balance the sum of its pending ones (once every entry has its
 *   transaction: a close sweeps first, so check after one);
 * - each payout's transactions sum to zero (what it paid out, less the payout itself), and what
 *   it paid out sums to its amount.
 */
export async function verifySettlement(db: Queryable): Promise<SettlementReport> {
  const problems: string[] = [];
  const owners = await query<{ owner: string }>(
    db,
    `SELECT DISTINCT owner FROM ledger_accounts
      WHERE code IN ('merchant_available', 'merchant_pending') ORDER BY owner`,
  );
  const sums = await query<{
    merchant_id: string;
    livemode: boolean;
    currency: string;
    status: 'pending' | 'available';
    total: bigint;
  }>(
    db,
    `SELECT merchant_id, livemode, currency, status::text AS status, sum(net)::bigint AS total
       FROM balance_transactions GROUP BY 1, 2, 3, 4`,
  );
  const sumOf = (merchantId: string, livemode: boolean, currency: string, status: string) =>
    sums.find(
      (s) =>
        s.merchant_id === merchantId &&
        s.livemode === livemode &&
        s.currency === currency &&
        s.status === status,
    )?.total ?? 0n;
  let accounts = 0;
  for (const { owner } of owners) {
    const merchantId = merchantOfOwner(owner);
    if (merchantId === null) continue;
    const livemode = !owner.endsWith(':test');
    for (const account of await accountsOfOwner(db, owner, [
      'merchant_available',
      'merchant_pending',
    ])) {
      accounts += 1;
      const { posted } = balanceOf(account, await getBalance(db, account.id));
      const status = account.code === 'merchant_available' ? 'available' : 'pending';
      const total = sumOf(merchantId, livemode, account.currency, status);
      if (total !== posted)
        problems.push(
          `${merchantId} ${livemode ? 'live' : 'test'} ${account.currency}: ${status} balance transactions sum to ${total}, the ledger's ${account.code} is ${posted}`,
        );
    }
  }
  const payouts = await query<{ id: string; amount: bigint; contained: bigint; all: bigint }>(
    db,
    `SELECT p.id, p.amount,
            COALESCE(sum(b.net) FILTER (WHERE b.type <> 'payout'), 0)::bigint AS contained,
            COALESCE(sum(b.net), 0)::bigint AS all
       FROM payouts p LEFT JOIN balance_transactions b ON b.payout_id = p.id
      GROUP BY p.id, p.amount ORDER BY p.id`,
  );
  for (const payout of payouts) {
    if (payout.contained !== payout.amount || payout.all !== 0n)
      problems.push(
        `payout ${payout.id} of ${payout.amount}: its transactions pay out ${payout.contained} and sum to ${payout.all} with the payout`,
      );
  }
  return { accounts, payouts: payouts.length, problems };
}
