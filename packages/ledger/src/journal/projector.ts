import type { RecordedEvent } from '../events/types.ts';
import type { Queryable } from '../sql.ts';
import type { PostingKind, Side } from './types.ts';

/**
 * The journal's projections (accounts, entries, postings, balances, holds) from the log. The
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

/** Whether this write updates the account's balance row (see LedgerBalance). */
export type UpdatesBalance = (accountId: string) => boolean;

export function isLedgerEvent(type: string): boolean {
  return type === ACCOUNT_OPENED || (ENTRY_EVENTS as readonly string[]).includes(type);
}

export async function projectEvent(
  tx: Queryable,
  event: RecordedEvent,
  updatesBalance: UpdatesBalance,
): Promise<void> {
  if (event.type === ACCOUNT_OPENED) {
    const d = event.data as unknown as AccountOpenedData;
    await tx.query(
      `INSERT INTO ledger_accounts (id, owner, code, currency, normal_balance, debits_must_not_exceed_credits,
         credits_must_not_exceed_debits, opened_event_seq, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        d.accountId,
        d.owner,
        d.code,
        d.currency,
        d.normalBalance,
        d.debitsMustNotExceedCredits,
        d.creditsMustNotExceedDebits,
        event.seq.toString(),
        event.occurredAt,
      ],
    );
    return;
  }
  if (!(ENTRY_EVENTS as readonly string[]).includes(event.type)) return;
  await projectEntries(tx, [event], updatesBalance);
}

/**
 * Projects many entry events in three statements (entries, postings, balances), plus one per
 * hold change. Live batches and rebuilds both come through here.
 */
export async function projectEntries(
  tx: Queryable,
  events: RecordedEvent[],
  updatesBalance: UpdatesBalance,
): Promise<void> {
  if (events.length === 0) return;
  const entries = events.map((event) => ({ event, d: event.data as unknown as EntryData }));
  await tx.query(
    `INSERT INTO ledger_entries (id, event_seq, code, hold_id, created_at)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[])`,
    [
      entries.map((e) => e.d.entryId),
      entries.map((e) => e.event.seq.toString()),
      entries.map((e) => e.d.code),
      entries.map((e) => e.d.holdId ?? null),
      entries.map((e) => e.event.occurredAt),
    ],
  );
  const legs = entries.flatMap((e) =>
    e.d.legs.map((leg) => ({ ...leg, entryId: e.d.entryId, seq: e.event.seq })),
  );
  await tx.query(
    `INSERT INTO ledger_postings (entry_id, account_id, side, kind, amount, currency, event_seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::ledger_side[], $4::ledger_posting_kind[], $5::bigint[], $6::text[], $7::bigint[])`,
    [
      legs.map((l) => l.entryId),
      legs.map((l) => l.accountId),
      legs.map((l) => l.side),
      legs.map((l) => l.kind),
      legs.map((l) => l.amount),
      legs.map((l) => l.currency),
      legs.map((l) => l.seq.toString()),
    ],
  );
  await addToBalances(tx, legs, updatesBalance);
  for (const { event, d } of entries) await projectHold(tx, event.type as EntryEventType, d);
}

async function projectHold(tx: Queryable, type: EntryEventType, d: EntryData): Promise<void> {
  if (type === 'ledger.hold_placed' && d.hold) {
    await tx.query(
      `INSERT INTO ledger_holds (id, placed_entry_id, currency, amount, status, expires_at)
       VALUES ($1, $2, $3, $4, 'pending', $5)`,
      [d.holdId, d.entryId, d.hold.currency, d.hold.amount, d.hold.expiresAt],
    );
  } else if (
    type === 'ledger.hold_posted' ||
    type === 'ledger.hold_voided' ||
    type === 'ledger.hold_expired'
  ) {
    const status = type.slice('ledger.hold_'.length);
    await tx.query(
      'UPDATE ledger_holds SET status = $2, posted_amount = $3, resolved_entry_id = $4 WHERE id = $1',
      [d.holdId, status, d.postedAmount ?? null, d.entryId],
    );
  }
}

/**
 * One upsert for all the accounts this write updates, in account order, so two writes touching
 * the same rows always lock them in the same order and cannot deadlock.
 */
async function addToBalances(
  tx: Queryable,
  legs: EntryData['legs'],
  updatesBalance: UpdatesBalance,
): Promise<void> {
  const deltas = new Map<string, [bigint, bigint, bigint, bigint]>();
  for (const leg of legs) {
    if (!updatesBalance(leg.accountId)) continue;
    const row = deltas.get(leg.accountId) ?? [0n, 0n, 0n, 0n];
    const amount = BigInt(leg.amount);
    const column = (leg.kind === 'posted' ? 2 : 0) + (leg.side === 'credit' ? 1 : 0);
    row[column] = (row[column] as bigint) + (leg.kind === 'release' ? -amount : amount);
    deltas.set(leg.accountId, row);
  }
  if (deltas.size === 0) return;
  const rows = [...deltas].sort(([a], [b]) => (a < b ? -1 : 1));
  await tx.query(
    `INSERT INTO ledger_balances (account_id, debits_pending, credits_pending, debits_posted, credits_posted)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
     ON CONFLICT (account_id) DO UPDATE SET
       debits_pending = ledger_balances.debits_pending + EXCLUDED.debits_pending,
       credits_pending = ledger_balances.credits_pending + EXCLUDED.credits_pending,
       debits_posted = ledger_balances.debits_posted + EXCLUDED.debits_posted,
       credits_posted = ledger_balances.credits_posted + EXCLUDED.credits_posted`,
    [
      rows.map(([id]) => id),
      ...[0, 1, 2, 3].map((i) => rows.map(([, totals]) => (totals[i] as bigint).toString())),
    ],
  );
}

/** SQL: the balance deltas of a set of postings, per account (used by the sealer and reads). */
export const POSTING_SUMS = `
  sum(CASE WHEN p.side = 'debit' AND p.kind = 'pending' THEN p.amount
           WHEN p.side = 'debit' AND p.kind = 'release' THEN -p.amount ELSE 0 END)::bigint AS debits_pending,
  sum(CASE WHEN p.side = 'credit' AND p.kind = 'pending' THEN p.amount
           WHEN p.side = 'credit' AND p.kind = 'release' THEN -p.amount ELSE 0 END)::bigint AS credits_pending,
  sum(CASE WHEN p.side = 'debit' AND p.kind = 'posted' THEN p.amount ELSE 0 END)::bigint AS debits_posted,
  sum(CASE WHEN p.side = 'credit' AND p.kind = 'posted' THEN p.amount ELSE 0 END)::bigint AS credits_posted`;

/** SQL condition on `a` (ledger_accounts): the account has a balance flag. */
export const FLAGGED = '(a.debits_must_not_exceed_credits OR a.credits_must_not_exceed_debits)';
