import { isCurrency, newId } from '@kassa/contracts';
import { type LedgerAccountRecord, type Queryable, query } from '@kassa/db';
import { InvalidEntryError, StreamVersionConflictError } from '../errors.ts';
import { appendToStream, JOURNAL } from '../events/append.ts';
import { merchantOfOwner } from './books.ts';
import { ACCOUNT_OPENED, type AccountOpenedData, projectEvents } from './projector.ts';
import type { Account, AccountFlags, NormalBalance } from './types.ts';

/** A row of ledger_accounts, as `SELECT *` returns it (schema.prisma: LedgerAccount). */
type AccountRow = LedgerAccountRecord;

const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  owner: row.owner,
  code: row.code,
  currency: row.currency,
  normalBalance: row.normal_balance,
  debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
  creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
});

export interface AccountSpec extends AccountFlags {
  /** A merchant id, or `platform`. */
  owner: string;
  code: string;
  currency: string;
  normalBalance: NormalBalance;
}

export async function loadAccounts(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, Account>> {
  const rows = await query<AccountRow>(
    db,
    'SELECT * FROM ledger_accounts WHERE id = ANY($1::text[])',
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, toAccount(r)]));
}

export async function findAccount(
  db: Queryable,
  owner: string,
  code: string,
  currency: string,
): Promise<Account | undefined> {
  const [row] = await query<AccountRow>(
    db,
    'SELECT * FROM ledger_accounts WHERE owner = $1 AND code = $2 AND currency = $3',
    [owner, code, currency],
  );
  return row ? toAccount(row) : undefined;
}

/** Every account of `owner` with one of these codes, in every currency, by currency. */
export async function accountsOfOwner(
  db: Queryable,
  owner: string,
  codes: readonly string[],
): Promise<Account[]> {
  const rows = await query<AccountRow>(
    db,
    'SELECT * FROM ledger_accounts WHERE owner = $1 AND code = ANY($2::text[]) ORDER BY currency, code',
    [owner, [...codes]],
  );
  return rows.map(toAccount);
}

/**
 * The account of `owner` with this code and currency, opened (as an event, so a rebuild recreates
 * it) if it does not exist yet. Concurrent callers get the same account: the loser of the race
 * finds the stream already created and reads the winner's account.
 */
export async function ensureAccount(tx: Queryable, spec: AccountSpec): Promise<Account> {
  const existing = await findAccount(tx, spec.owner, spec.code, spec.currency);
  if (existing) return existing;
  if (!isCurrency(spec.currency)) {
    throw new InvalidEntryError(
      'unknown_currency',
      `Unknown or unsupported currency "${spec.currency}".`,
    );
  }
  const data: AccountOpenedData = {
    accountId: newId('ledgerAccount'),
    owner: spec.owner,
    code: spec.code,
    currency: spec.currency,
    normalBalance: spec.normalBalance,
    debitsMustNotExceedCredits: spec.debitsMustNotExceedCredits ?? false,
    creditsMustNotExceedDebits: spec.creditsMustNotExceedDebits ?? false,
  };
  try {
    const appended = await appendToStream(
      tx,
      {
        stream: `ledger_account:${spec.owner}:${spec.code}:${spec.currency}`,
        expectedVersion: 'no_stream',
        events: [{ type: ACCOUNT_OPENED, data: data as never }],
        merchantId: merchantOfOwner(spec.owner),
      },
      JOURNAL,
    );
    const [opened] = appended.events;
    if (opened) await projectEvents(tx, [{ seq: opened.seq, type: ACCOUNT_OPENED }], 'live');
  } catch (error) {
    if (!(error instanceof StreamVersionConflictError)) throw error;
  }
  const account = await findAccount(tx, spec.owner, spec.code, spec.currency);
  if (!account)
    throw new Error(`account ${spec.owner}/${spec.code}/${spec.currency} was not opened`);
  return account;
}
