import { type Queryable, query } from '@kassa/db';
import type { PostingKind, Side } from './types.ts';

/**
 * The journal's projections (accounts, entries, postings, balances, holds) from the log, in SQL:
 * the events are read where they lie, in the same transaction, so nothing is sent twice. The
 * same function serves live writes and `kassa ledger rebuild`, so a rebuild cannot disagree with
 * what was written live. The one difference is whose balance row it updates: live writes update
 * only flagged accounts (the sealer folds the others in later), a rebuild updates them all.
 */

export const ACCOUNT_OPENED = 'ledger.account_opened';
export const ENTRY_EVENTS = [
  'ledger.entry_posted',
  'ledger.hold_placed',
  'ledger.hold_posted',
  'ledger.hold_voided',
  'ledger.hold_expired',
] as const;
export type EntryEventType = (typeof ENTRY_EVENTS)[number];

export interface AccountOpenedData {
  accountId: string;
  owner: string;
  code: string;
  currency: string;
  normalBalance: 'debit' | 'credit';
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

export interface EntryData {
  entryId: string;
  code: string;
  /** The business object the entry books (a payment `pi_…`, a refund `re_…`), if any. */
  reference?: string;
  holdId?: string;
  legs: Array<{
    accountId: string;
    side: Side;
    kind: PostingKind;
    amount: string;
    currency: string;
  }>;
  /** ledger.hold_placed: what the hold reserves and until when. */
  hold?: { amount: string; currency: string; expiresAt: string | null };
  /** ledger.hold_posted: how much of the hold was posted. */
  postedAmount?: string;
}

export function isLedgerEvent(type: string): boolean {
  return type === ACCOUNT_OPENED || (ENTRY_EVENTS as readonly string[]).includes(type);
}

/** SQL: the balance deltas of a set of postings `p`, per account (projection, sealer, reads). */
export const POSTING_SUMS = `
  sum(CASE WHEN p.side = 'debit' AND p.kind = 'pending' THEN p.amount
           WHEN p.side = 'debit' AND p.kind = 'release' THEN -p.amount ELSE 0 END)::bigint AS debits_pending,
  sum(CASE WHEN p.side = 'credit' AND p.kind = 'pending' THEN p.amount
           WHEN p.side = 'credit' AND p.kind = 'release' THEN -p.amount ELSE 0 END)::bigint AS credits_pending,
  sum(CASE WHEN p.side = 'debit' AND p.kind = 'posted' THEN p.amount ELSE 0 END)::bigint AS debits_posted,
  sum(CASE WHEN p.side = 'credit' AND p.kind = 'posted' THEN p.amount ELSE 0 END)::bigint AS credits_posted`;

/** SQL condition on `a` (ledger_accounts): the account has a balance flag. */
export const FLAGGED = '(a.debits_must_not_exceed_credits OR a.credits_must_not_exceed_debits)';

/** SQL: add the rows of `deltas` (account_id + POSTING_SUMS columns) to ledger_balances. */
export const ADD_TO_BALANCES = `
  INSERT INTO ledger_balances (account_id, debits_pending, credits_pending, debits_posted, credits_posted)
  SELECT * FROM deltas ORDER BY account_id
  ON CONFLICT (account_id) DO UPDATE SET
    debits_pending = ledger_balances.debits_pending + EXCLUDED.debits_pending,
    credits_pending = ledger_balances.credits_pending + EXCLUDED.credits_pending,
    debits_posted = ledger_balances.debits_posted + EXCLUDED.debits_posted,
    credits_posted = ledger_balances.credits_posted + EXCLUDED.credits_posted`;

/**
 * Projects `events` (given in log order; other types are ignored). `mode` says whose balance
 * rows this updates: `live` only flagged accounts, `rebuild` every account. Rows are locked in
 * account order (ORDER BY in the upsert), so concurrent writers cannot deadlock on them.
 */
export async function projectEvents(
  tx: Queryable,
  events: ReadonlyArray<{ seq: bigint | string; type: string }>,
  mode: 'live' | 'rebuild',
): Promise<void> {
  const ofType = (test: (type: string) => boolean) =>
    events.filter((e) => test(e.type)).map((e) => e.seq.toString());
  const accounts = ofType((t) => t === ACCOUNT_OPENED);
  const entries = ofType((t) => (ENTRY_EVENTS as readonly string[]).includes(t));
  const holds = ofType((t) => t.startsWith('ledger.hold_'));
  if (accounts.length > 0) await projectAccounts(tx, accounts);
  if (entries.length > 0) await projectEntries(tx, entries, mode);
  // Hold state changes depend on order: apply them one by one, in log order.
  if (holds.length > 0) {
    const rows = await query<{ seq: bigint; type: EntryEventType; data: EntryData }>(
      tx,
      'SELECT seq, type, data FROM ledger_events WHERE seq = ANY($1::bigint[])',
      [holds],
    );
    const bySeq = new Map(rows.map((r) => [r.seq.toString(), r]));
    for (const seq of holds) {
      const row = bySeq.get(seq);
      if (row) await projectHold(tx, row.type, row.data);
    }
  }
}

async function projectAccounts(tx: Queryable, seqs: string[]): Promise<void> {
  await tx.query(
    `INSERT INTO ledger_accounts (id, owner, code, currency, normal_balance, debits_must_not_exceed_credits,
       credits_must_not_exceed_debits, opened_event_seq, created_at)
     SELECT d->>'accountId', d->>'owner', d->>'code', d->>'currency', (d->>'normalBalance')::ledger_normal_balance,
            (d->>'debitsMustNotExceedCredits')::boolean, (d->>'creditsMustNotExceedDebits')::boolean, e.seq, e.occurred_at
       FROM ledger_events e CROSS JOIN LATERAL (SELECT e.data AS d) x
      WHERE e.seq = ANY($1::bigint[]) AND e.type = '${ACCOUNT_OPENED}'`,
    [seqs],
  );
}

async function projectEntries(
  tx: Queryable,
  seqs: string[],
  mode: 'live' | 'rebuild',
): Promise<void> {
  await tx.query(
    `WITH entry_events AS (
       SELECT e.seq, e.data, e.occurred_at FROM ledger_events e
        WHERE e.seq = ANY($1::bigint[]) AND e.type = ANY($2::text[])
     ), entries AS (
       INSERT INTO ledger_entries (id, event_seq, code, hold_id, created_at)
       SELECT data->>'entryId', seq, data->>'code', data->>'holdId', occurred_at FROM entry_events
     ), p AS (
       INSERT INTO ledger_postings (entry_id, account_id, side, kind, amount, currency, event_seq)
       SELECT e.data->>'entryId', l->>'accountId', (l->>'side')::ledger_side, (l->>'kind')::ledger_posting_kind,
              (l->>'amount')::bigint, l->>'currency', e.seq
         FROM entry_events e CROSS JOIN LATERAL jsonb_array_elements(e.data->'legs') l
       RETURNING account_id, side, kind, amount
     ), deltas AS (
       SELECT p.account_id, ${POSTING_SUMS} FROM p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE $3 OR ${FLAGGED} GROUP BY p.account_id
     )
     ${ADD_TO_BALANCES}`,
    [seqs, ENTRY_EVENTS, mode === 'rebuild'],
  );
}

async function projectHold(tx: Queryable, type: EntryEventType, d: EntryData): Promise<void> {
  if (type === 'ledger.hold_placed' && d.hold) {
    await tx.query(
      `INSERT INTO ledger_holds (id, placed_entry_id, currency, amount, status, expires_at)
       VALUES ($1, $2, $3, $4, 'pending', $5)`,
      [d.holdId, d.entryId, d.hold.currency, d.hold.amount, d.hold.expiresAt],
    );
  } else if (type !== 'ledger.hold_placed') {
    await tx.query(
      'UPDATE ledger_holds SET status = $2, posted_amount = $3, resolved_entry_id = $4 WHERE id = $1',
      [d.holdId, type.slice('ledger.hold_'.length), d.postedAmount ?? null, d.entryId],
    );
  }
}
