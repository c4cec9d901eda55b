import { isCurrency, newId } from '@kassa/contracts';
import {
  AccountLimitError,
  CurrencyMismatchError,
  InvalidEntryError,
  UnknownAccountError,
} from '../errors.ts';
import { appendToStream } from '../events/append.ts';
import { readEventById } from '../events/read.ts';
import type { EventMetadata, ExpectedVersion } from '../events/types.ts';
import { type Queryable, query } from '../sql.ts';
import { loadAccounts } from './accounts.ts';
import { type EntryData, type EntryEventType, projectEvent } from './projector.ts';
import type { Account, Leg, PostingKind } from './types.ts';

/** Largest amount of one leg: keeps every sum far from the 64-bit limit of the balance columns. */
export const MAX_LEG_AMOUNT = 2n ** 53n;

/** Unflagged accounts spread their balance over this many rows (see LedgerBalance). */
export const BALANCE_SHARDS = 16;

export interface BookOptions {
  /** The stream the entry's event goes to; default `journal_entry:<entry id>`. */
  stream?: string;
  expectedVersion?: ExpectedVersion;
  merchantId?: string | null;
  metadata?: EventMetadata;
  idempotencyKey?: string;
}

export interface BookedEntry {
  entryId: string;
  eventId: string;
  /** True when an append with the same idempotency key had booked it already. */
  replayed: boolean;
}

/**
 * Checks an entry without touching the database: two or more legs, positive integer amounts,
 * known currencies, and for each kind of posting, debits equal credits in every currency.
 */
export function validateLegs(legs: readonly Leg[]): void {
  if (legs.length < 2)
    throw new InvalidEntryError('invalid_entry', 'An entry needs at least two legs.');
  const sums = new Map<string, bigint>();
  for (const leg of legs) {
    if (typeof leg.amount !== 'bigint' || leg.amount <= 0n || leg.amount > MAX_LEG_AMOUNT) {
      throw new InvalidEntryError(
        'invalid_amount',
        `Leg amounts must be positive integers of minor units up to ${MAX_LEG_AMOUNT}; got ${String(leg.amount)}.`,
      );
    }
    if (!isCurrency(leg.currency)) {
      throw new InvalidEntryError(
        'unknown_currency',
        `Unknown or unsupported currency "${leg.currency}".`,
      );
    }
    if (leg.side !== 'debit' && leg.side !== 'credit') {
      throw new InvalidEntryError(
        'invalid_entry',
        `A leg's side must be debit or credit; got "${leg.side}".`,
      );
    }
    const key = `${leg.kind ?? 'posted'} ${leg.currency}`;
    sums.set(key, (sums.get(key) ?? 0n) + (leg.side === 'debit' ? leg.amount : -leg.amount));
  }
  for (const [key, sum] of sums) {
    if (sum !== 0n) {
      const [kind, currency] = key.split(' ');
      throw new InvalidEntryError(
        'unbalanced_entry',
        `The ${kind} legs in ${currency} do not balance: debits exceed credits by ${sum} (minor units).`,
      );
    }
  }
}

/**
 * Books one entry inside the caller's transaction: validates it, checks the accounts and their
 * flags (locking flagged accounts' balance rows), appends the event, and updates the projections.
 * Any error leaves nothing written once the caller's transaction rolls back; nothing is written
 * before the last check passes.
 */
export async function bookEntry(
  tx: Queryable,
  entry: Omit<EntryData, 'legs' | 'entryId'> & {
    entryId?: string;
    type: EntryEventType;
    legs: readonly Leg[];
  },
  options: BookOptions = {},
): Promise<BookedEntry> {
  validateLegs(entry.legs);
  const accounts = await loadAccounts(
    tx,
    entry.legs.map((l) => l.accountId),
  );
  for (const leg of entry.legs) {
    const account = accounts.get(leg.accountId);
    if (!account) throw new UnknownAccountError(leg.accountId);
    if (account.currency !== leg.currency)
      throw new CurrencyMismatchError(account.id, account.currency, leg.currency);
  }
  await enforceFlags(tx, accounts, entry.legs);

  const entryId = entry.entryId ?? newId('journalEntry');
  const { type, legs, ...rest } = entry;
  const data: EntryData = {
    ...rest,
    entryId,
    legs: legs.map((l) => ({
      accountId: l.accountId,
      side: l.side,
      kind: l.kind ?? 'posted',
      amount: l.amount.toString(),
      currency: l.currency,
    })),
  };
  const appended = await appendToStream(tx, {
    stream: options.stream ?? `journal_entry:${entryId}`,
    expectedVersion: options.expectedVersion ?? (options.stream ? 'any' : 'no_stream'),
    events: [{ type, data: data as never, metadata: options.metadata }],
    merchantId: options.merchantId ?? null,
    idempotencyKey: options.idempotencyKey,
  });
  const eventId = appended.events[0]?.id as string;
  const event = await readEventById(tx, eventId);
  if (appended.replayed) {
    return { entryId: (event.data as unknown as EntryData).entryId, eventId, replayed: true };
  }
  const shardOf = (accountId: string) => {
    const account = accounts.get(accountId);
    return hasFlag(account) ? 0 : Math.floor(Math.random() * BALANCE_SHARDS);
  };
  await projectEvent(tx, event, shardOf);
  return { entryId, eventId, replayed: false };
}

function hasFlag(account: Account | undefined): boolean {
  return Boolean(account?.debitsMustNotExceedCredits || account?.creditsMustNotExceedDebits);
}

/**
 * Flagged accounts keep their whole balance in shard 0; we lock that row (in account order, so
 * concurrent entries cannot deadlock) and check the balance the entry would leave.
 */
async function enforceFlags(
  tx: Queryable,
  accounts: Map<string, Account>,
  legs: readonly Leg[],
): Promise<void> {
  const flagged = [...accounts.values()].filter(hasFlag).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (flagged.length === 0) return;
  const ids = flagged.map((a) => a.id);
  await tx.query(
    `INSERT INTO ledger_balances (account_id, shard) SELECT unnest($1::text[]), 0 ON CONFLICT DO NOTHING`,
    [ids],
  );
  const rows = await query<{
    account_id: string;
    debits_pending: bigint;
    credits_pending: bigint;
    debits_posted: bigint;
    credits_posted: bigint;
  }>(
    tx,
    `SELECT account_id, debits_pending, credits_pending, debits_posted, credits_posted FROM ledger_balances
      WHERE account_id = ANY($1::text[]) AND shard = 0 ORDER BY account_id FOR UPDATE`,
    [ids],
  );
  for (const row of rows) {
    const account = accounts.get(row.account_id) as Account;
    const after = { ...row };
    for (const leg of legs.filter((l) => l.accountId === account.id)) {
      const kind: PostingKind = leg.kind ?? 'posted';
      const signed = kind === 'release' ? -leg.amount : leg.amount;
      const column = `${leg.side}s_${kind === 'posted' ? 'posted' : 'pending'}` as const;
      after[column] += signed;
    }
    if (
      account.debitsMustNotExceedCredits &&
      after.debits_pending + after.debits_posted > after.credits_posted
    ) {
      throw new AccountLimitError(account.id, 'debits_must_not_exceed_credits');
    }
    if (
      account.creditsMustNotExceedDebits &&
      after.credits_pending + after.credits_posted > after.debits_posted
    ) {
      throw new AccountLimitError(account.id, 'credits_must_not_exceed_debits');
    }
  }
}
