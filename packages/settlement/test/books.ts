import { type Queryable, query } from '@kassa/db';
import { accountsOfOwner, balanceOf, getBalance, merchantOfOwner } from '@kassa/ledger';
import { expect } from 'vitest';

/**
 * The settlement invariants, checked against the database as it is:
 * - for every merchant account in the ledger, the available balance equals the sum of the
 *   merchant's available balance transactions, and the pending balance the sum of its pending
 *   ones (once every entry has its transaction: call after a close, which sweeps);
 * - every payout's transactions sum to zero (what it contains less the payout itself), and what
 *   it contains sums to its amount.
 * Returns the number of accounts and payouts checked, so a test can see it checked something.
 */
export async function assertBooksAgree(
  db: Queryable,
): Promise<{ accounts: number; payouts: number }> {
  const owners = await query<{ owner: string }>(
    db,
    `SELECT DISTINCT owner FROM ledger_accounts WHERE code IN ('merchant_available', 'merchant_pending')`,
  );
  const accounts = [];
  for (const { owner } of owners)
    accounts.push(
      ...(await accountsOfOwner(db, owner, ['merchant_available', 'merchant_pending'])),
    );
  for (const account of accounts) {
    const { posted } = balanceOf(account, await getBalance(db, account.id));
    const merchantId = merchantOfOwner(account.owner);
    const livemode = !account.owner.endsWith(':test');
    const status = account.code === 'merchant_available' ? 'available' : 'pending';
    const [sum] = await query<{ total: bigint }>(
      db,
      `SELECT COALESCE(sum(net), 0)::bigint AS total FROM balance_transactions
        WHERE merchant_id = $1 AND livemode = $2 AND currency = $3 AND status = $4::balance_transaction_status`,
      [merchantId, livemode, account.currency, status],
    );
    expect(
      { account: `${account.owner} ${account.code} ${account.currency}`, total: sum?.total },
      'balance transactions vs ledger',
    ).toEqual({ account: `${account.owner} ${account.code} ${account.currency}`, total: posted });
  }
  const payouts = await query<{ id: string; amount: bigint; contained: bigint; all: bigint }>(
    db,
    `SELECT p.id, p.amount,
            COALESCE((SELECT sum(net) FROM balance_transactions b WHERE b.payout_id = p.id AND b.type <> 'payout'), 0)::bigint AS contained,
            COALESCE((SELECT sum(net) FROM balance_transactions b WHERE b.payout_id = p.id), 0)::bigint AS all
       FROM payouts p`,
  );
  for (const payout of payouts) {
    expect({ id: payout.id, contained: payout.contained, all: payout.all }).toEqual({
      id: payout.id,
      contained: payout.amount,
      all: 0n,
    });
  }
  return { accounts: accounts.length, payouts: payouts.length };
}
