import { type LedgerBalanceRecord, type Queryable, query } from '@kassa/db';
import { ADD_TO_BALANCES, FLAGGED, POSTING_SUMS } from './projector.ts';
import type { Account, Balance } from './types.ts';

type BalanceColumn = 'debits_pending' | 'credits_pending' | 'debits_posted' | 'credits_posted';

/**
 * An account's totals under ledger_balances' column names, computed (POSTING_SUMS, `::bigint`):
 * a sum over no postings is null, so each may be.
 */
type BalanceRow = { [K in BalanceColumn]: LedgerBalanceRecord[K] | null };

/**
 * The sealer's second job: fold the postings of the events it just sealed into the balance rows
 * of unflagged accounts, one upsert per account. It is the only writer of those rows, so hot
 * accounts never make writers wait (see LedgerBalance in schema.prisma).
 */
export async function foldSealedPostings(
  tx: Queryable,
  eventSeqs: readonly string[],
): Promise<void> {
  await tx.query(
    `WITH deltas AS (
       SELECT p.account_id, ${POSTING_SUMS}
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.event_seq = ANY($1::bigint[]) AND NOT ${FLAGGED}
        GROUP BY p.account_id
     )
     ${ADD_TO_BALANCES}`,
    [eventSeqs],
  );
}

/**
 * An account's current totals: its balance row, plus, for an unflagged account, the postings of
 * events the sealer has not folded in yet. One statement, so one consistent snapshot.
 */
export async function getBalance(db: Queryable, accountId: string): Promise<Balance> {
  const [row] = await query<BalanceRow>(
    db,
    `SELECT coalesce(b.debits_pending, 0) + coalesce(u.debits_pending, 0) AS debits_pending,
            coalesce(b.credits_pending, 0) + coalesce(u.credits_pending, 0) AS credits_pending,
            coalesce(b.debits_posted, 0) + coalesce(u.debits_posted, 0) AS debits_posted,
            coalesce(b.credits_posted, 0) + coalesce(u.credits_posted, 0) AS credits_posted
       FROM ledger_accounts a
       LEFT JOIN ledger_balances b ON b.account_id = a.id
       LEFT JOIN LATERAL (
         SELECT ${POSTING_SUMS} FROM ledger_seal_queue q JOIN ledger_postings p ON p.event_seq = q.event_seq
          WHERE p.account_id = a.id AND NOT ${FLAGGED}
       ) u ON true
      WHERE a.id = $1`,
    [accountId],
  );
  return fromRow(row);
}

/**
 * An account's totals as of a point in the log (`position`: events sealed at or before it) or in
 * time (`at`: events sealed at or before that instant), summed from its postings. Both count
 * only sealed events, whose place in the log is final, so the answer for a past point never
 * changes (an event's own `occurred_at` is its transaction's start, and a long transaction can
 * commit after later ones).
 */
export async function getBalanceAsOf(
  db: Queryable,
  accountId: string,
  asOf: { position: bigint } | { at: Date },
): Promise<Balance> {
  const byPosition = 'position' in asOf;
  const [row] = await query<BalanceRow>(
    db,
    `SELECT ${POSTING_SUMS}
       FROM ledger_postings p
       JOIN ledger_chain c ON c.event_seq = p.event_seq
      WHERE p.account_id = $1 AND ${byPosition ? 'c.position <= $2' : 'c.sealed_at <= $2'}`,
    [accountId, byPosition ? asOf.position.toString() : asOf.at],
  );
  return fromRow(row);
}

function fromRow(row: BalanceRow | undefined): Balance {
  return {
    debitsPending: row?.debits_pending ?? 0n,
    creditsPending: row?.credits_pending ?? 0n,
    debitsPosted: row?.debits_posted ?? 0n,
    creditsPosted: row?.credits_posted ?? 0n,
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
