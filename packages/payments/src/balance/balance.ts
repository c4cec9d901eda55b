import type { Balance } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import { accountsOfOwner, balanceOf, getBalance, ledgerOwner } from '@kassa/ledger';
import type { Principal } from '../context.ts';

/**
 * balance.retrieve, straight from the ledger's projections (read through @kassa/ledger): the posted balance of the merchant's
 * `merchant_available` and `merchant_pending` accounts in each currency, in the book of the key's
 * mode. Includes postings the sealer has not folded in yet (getBalance reads them too).
 */
export async function retrieveBalance(db: Queryable, principal: Principal): Promise<Balance> {
  const accounts = await accountsOfOwner(
    db,
    ledgerOwner(principal.merchantId, principal.livemode),
    ['merchant_available', 'merchant_pending'],
  );
  const totals = new Map<string, { available: bigint; pending: bigint }>();
  for (const account of accounts) {
    const { posted } = balanceOf(account, await getBalance(db, account.id));
    const currency = account.currency.toLowerCase();
    const line = totals.get(currency) ?? { available: 0n, pending: 0n };
    if (account.code === 'merchant_available') line.available = posted;
    else line.pending = posted;
    totals.set(currency, line);
  }
  // Every currency the merchant has money in appears in both lists (0 where there is none).
  const balance: Balance = {
    object: 'balance',
    livemode: principal.livemode,
    available: [...totals].map(([currency, t]) => ({ amount: Number(t.available), currency })),
    pending: [...totals].map(([currency, t]) => ({ amount: Number(t.pending), currency })),
  };
  return balance;
}
