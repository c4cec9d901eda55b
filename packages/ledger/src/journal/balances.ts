import { type Queryable, query } from '../sql.ts';
import type { Account, Balance } from './types.ts';

const ZERO: Balance = {
  debitsPending: 0n,
  creditsPending: 0n,
  debitsPosted: 0n,
  creditsPosted: 0n,
};

/** An account's current totals: the sum of its balance shards. */
export async function getBalance(db: Queryable, accountId: string): Promise<Balance> {
  const [row] = await query<Record<string, bigint | null>>(
    db,
    `SELECT sum(debits_pending)::bigint AS dp, sum(credits_pending)::bigint AS cp,
            sum(debits_posted)::bigint AS dpo, sum(credits_posted)::bigint AS cpo
       FROM ledger_balances WHERE account_id = $1`,
    [accountId],
  );
  return row ? fromSums(row) : ZERO;
}

/**
 * An account's totals as of a point in the log (`position`: events sealed at or before it) or in
 * time (`at`: events that occurred at or before it), summed from its postings.
 */
export async function getBalanceAsOf(
  db: Queryable,
  accountId: string,
  asOf: { position: bigint } | { at: Date },
): Promise<Balance> {
  const [condition, value] =
    'position' in asOf
      ? ['c.position <= $2', asOf.position.toString()]
      : ['e.occurred_at <= $2', asOf.at];
  const [row] = await query<Record<string, bigint | null>>(
    db,
    `SELECT
       sum(CASE WHEN p.side = 'debit' AND p.kind = 'pending' THEN p.amount
                WHEN p.side = 'debit' AND p.kind = 'release' THEN -p.amount ELSE 0 END)::bigint AS dp,
       sum(CASE WHEN p.side = 'credit' AND p.kind = 'pending' THEN p.amount
                WHEN p.side = 'credit' AND p.kind = 'release' THEN -p.amount ELSE 0 END)::bigint AS cp,
       sum(CASE WHEN p.side = 'debit' AND p.kind = 'posted' THEN p.amount ELSE 0 END)::bigint AS dpo,
       sum(CASE WHEN p.side = 'credit' AND p.kind = 'posted' THEN p.amount ELSE 0 END)::bigint AS cpo
       FROM ledger_postings p
       JOIN ledger_events e ON e.seq = p.event_seq
       ${'position' in asOf ? 'JOIN ledger_chain c ON c.event_seq = e.seq' : ''}
      WHERE p.account_id = $1 AND ${condition}`,
    [accountId, value],
  );
  return row ? fromSums(row) : ZERO;
}

function fromSums(row: Record<string, bigint | null>): Balance {
  return {
    debitsPending: row.dp ?? 0n,
    creditsPending: row.cp ?? 0n,
    debitsPosted: row.dpo ?? 0n,
    creditsPosted: row.cpo ?? 0n,
  };
}

/**
 * The figures people mean by "balance", signed by the account's normal side:
 * posted (settled movements), pending (reserved, in and out), available (posted less what is
 * reserved to leave).
 */
export function balanceOf(account: Pick<Account, 'normalBalance'>, b: Balance) {
  const normalIsCredit = account.normalBalance === 'credit';
  const posted = normalIsCredit
    ? b.creditsPosted - b.debitsPosted
    : b.debitsPosted - b.creditsPosted;
  const pendingIn = normalIsCredit ? b.creditsPending : b.debitsPending;
  const pendingOut = normalIsCredit ? b.debitsPending : b.creditsPending;
  return { posted, pendingIn, pendingOut, available: posted - pendingOut };
}
