import { isCurrency, newId } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import {
  AccountLimitError,
  CurrencyMismatchError,
  InvalidEntryError,
  UnknownAccountError,
} from '../errors.ts';
import { type AppendResult, appendToStream, JOURNAL } from '../events/append.ts';
import { idempotent } from '../events/idempotency.ts';
import type { EventMetadata, ExpectedVersion } from '../events/types.ts';
import { loadAccounts } from './accounts.ts';
import { type EntryData, type EntryEventType, projectEvents } from './projector.ts';
import type { Account, Leg, PostingKind } from './types.ts';

/** Largest amount of one leg: keeps every sum far from the 64-bit limit of the balance columns. */
export const MAX_LEG_AMOUNT = 2n ** 53n;

export interface BookOptions {
  /** The stream the entry's event goes to; default `journal_entry:<entry id>`. */
  stream?: string;
  expectedVersion?: ExpectedVersion;
  merchantId?: string | null;
  metadata?: EventMetadata;
  idempotencyKey?: string;
  /** The business object the entry books (`pi_…`, `re_…`): kept in the entry's event data. */
  reference?: string;
  /** When it happened by the caller's clock (see AppendInput.occurredAt); default the database's. */
  occurredAt?: Date;
  /**
   * Where the chart functions look up (and remember) account ids; accounts never change once
   * opened, so a long-running process keeps one per database (see AccountCache).
   */
  accounts?: AccountCache;
}

/**
 * Account ids by owner, code and currency, remembered once looked up (or opened). Safe because
 * an account is never deleted or changed, and a rebuild recreates it with the same id. One cache
 * per database: the ids of one database mean nothing in another.
 */
export class AccountCache {
  private readonly byKey = new Map<string, Account>();

  get(owner: string, code: string, currency: string): Account | undefined {
    return this.byKey.get(`${owner}\u0000${code}\u0000${currency}`);
  }

  set(account: Account): void {
    this.byKey.set(`${account.owner}\u0000${account.code}\u0000${account.currency}`, account);
  }
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

export type EntrySpec = Omit<EntryData, 'legs' | 'entryId'> & {
  entryId?: string;
  type: EntryEventType;
  legs: readonly Leg[];
};

/** The legs in a form that identifies a request (for idempotency): no bigints, no generated ids. */
export function legsFingerprint(legs: readonly Leg[]) {
  return legs.map((l) => ({ ...l, amount: l.amount.toString(), kind: l.kind ?? 'posted' }));
}

/** Validation, accounts and flags for a set of entries; throws before anything is written. */
async function checkEntries(
  tx: Queryable,
  entries: readonly EntrySpec[],
): Promise<Map<string, Account>> {
  for (const entry of entries) validateLegs(entry.legs);
  const legs = entries.flatMap((e) => e.legs);
  const accounts = await loadAccounts(
    tx,
    legs.map((l) => l.accountId),
  );
  for (const leg of legs) {
    const account = accounts.get(leg.accountId);
    if (!account) throw new UnknownAccountError(leg.accountId);
    if (account.currency !== leg.currency)
      throw new CurrencyMismatchError(account.id, account.currency, leg.currency);
  }
  await enforceFlags(tx, accounts, legs);
  return accounts;
}

function toEntryData(entry: EntrySpec, entryId: string): EntryData {
  const { type: _, legs, ...rest } = entry;
  return {
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
}

/**
 * The one write path of every journal entry (plain entries and hold events alike): checks the
 * legs, accounts and flags (locking flagged accounts' balance rows), appends the event, updates
 * the projections. Nothing is written before the last check passes. Idempotency is the caller's
 * (bookEntry, the hold functions): the key is only recorded in the event's metadata here.
 */
export async function recordEntry(
  tx: Queryable,
  entry: EntrySpec,
  options: BookOptions = {},
): Promise<{ entryId: string; eventId: string }> {
  await checkEntries(tx, [entry]);
  const entryId = entry.entryId ?? newId('journalEntry');
  const metadata = options.idempotencyKey
    ? { ...options.metadata, idempotencyKey: options.idempotencyKey }
    : options.metadata;
  const appended = await appendToStream(
    tx,
    {
      stream: options.stream ?? `journal_entry:${entryId}`,
      expectedVersion: options.expectedVersion ?? (options.stream ? 'any' : 'no_stream'),
      events: [
        {
          type: entry.type,
          data: toEntryData(
            options.reference ? { ...entry, reference: options.reference } : entry,
            entryId,
          ) as never,
          metadata,
        },
      ],
      merchantId: options.merchantId ?? null,
      occurredAt: options.occurredAt,
    },
    JOURNAL,
  );
  const written = appended.events[0] as AppendResult['events'][number];
  await projectEvents(tx, [{ seq: written.seq, type: entry.type }], 'live');
  return { entryId, eventId: written.id };
}

/**
 * Books one entry of posted legs inside the caller's transaction (see recordEntry). Pending and
 * release legs belong to holds (placeHold, postHold, voidHold), which derive them from the hold.
 * With an idempotency key, a retry of the same entry returns the first booking.
 */
export async function bookEntry(
  tx: Queryable,
  entry: { code: string; legs: readonly Leg[]; entryId?: string },
  options: BookOptions = {},
): Promise<BookedEntry> {
  if (entry.legs.some((l) => (l.kind ?? 'posted') !== 'posted')) {
    throw new InvalidEntryError(
      'invalid_entry',
      'Pending and release legs belong to holds: use placeHold, postHold or voidHold.',
    );
  }
  const request = {
    op: 'book_entry',
    code: entry.code,
    legs: legsFingerprint(entry.legs),
    stream: options.stream ?? null,
    merchantId: options.merchantId ?? null,
  };
  const { result, replayed } = await idempotent(tx, options.idempotencyKey, request, () =>
    recordEntry(tx, { ...entry, type: 'ledger.entry_posted' }, options),
  );
  return { ...result, replayed };
}

/**
 * Books many plain entries (no holds) in one go: the same checks as bookEntry, then a constant
 * number of statements whatever the batch size. For writers that book in bulk (settlement, the
 * benchmark); a batch commits or fails as a whole with its transaction. Flags are checked
 * against the batch's combined effect, which is what commits.
 */
export async function bookEntries(
  tx: Queryable,
  entries: ReadonlyArray<{
    code: string;
    legs: readonly Leg[];
    entryId?: string;
    merchantId?: string | null;
    metadata?: EventMetadata;
    /** The business object the entry books (BookOptions.reference). */
    reference?: string;
  }>,
  options: { occurredAt?: Date } = {},
): Promise<Array<{ entryId: string; eventId: string }>> {
  if (entries.some((e) => e.legs.some((l) => (l.kind ?? 'posted') !== 'posted'))) {
    throw new InvalidEntryError('invalid_entry', 'Bulk entries have posted legs only.');
  }
  const specs = entries.map((e) => ({ ...e, type: 'ledger.entry_posted' as const }));
  await checkEntries(tx, specs);
  const prepared = specs.map((spec) => {
    const entryId = spec.entryId ?? newId('journalEntry');
    const { merchantId, metadata, ...entry } = spec;
    return { entryId, merchantId, metadata, data: toEntryData(entry, entryId) };
  });
  // One stream for the whole batch: the batch is one business operation (a settlement run), and
  // one stream head instead of one per entry keeps bulk booking cheap.
  const appended = await appendToStream(
    tx,
    {
      stream: `journal_batch:${newId('journalEntry')}`,
      expectedVersion: 'no_stream',
      occurredAt: options.occurredAt,
      events: prepared.map((p) => ({
        type: 'ledger.entry_posted',
        data: p.data as never,
        metadata: p.metadata,
        merchantId: p.merchantId ?? null,
      })),
    },
    JOURNAL,
  );
  await projectEvents(
    tx,
    appended.events.map((e) => ({ seq: e.seq, type: 'ledger.entry_posted' })),
    'live',
  );
  // Versions 1..n follow the order of `entries`.
  return appended.events.map((event) => ({
    entryId: prepared[event.version - 1]?.entryId as string,
    eventId: event.id,
  }));
}

function hasFlag(account: Account | undefined): boolean {
  return Boolean(account?.debitsMustNotExceedCredits || account?.creditsMustNotExceedDebits);
}

/**
 * A flagged account's balance row is exact at all times: we lock it (in account order, so
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
    'INSERT INTO ledger_balances (account_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING',
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
      WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`,
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
