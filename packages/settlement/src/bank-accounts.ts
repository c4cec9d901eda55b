import { type BankAccount, type Clock, type createBankAccountInput, newId } from '@kassa/contracts';
import { type BankAccountRecord, type Queryable, query } from '@kassa/db';
import { invalidRequest, notFound } from '@kassa/payments';
import type { Vault } from '@kassa/vault';
import type { z } from 'zod';
import type { Owner } from './balance-transactions.ts';

export type BankAccountRow = Omit<BankAccountRecord, 'updated_at'>;

const COLUMNS = `id, merchant_id, livemode, currency, country, account_holder_name, bank_name,
  routing_number, last4, fingerprint, vault_bank_account_id, status, default_for_currency, created_at`;

export function bankAccountView(row: BankAccountRow): BankAccount {
  return {
    id: row.id,
    object: 'bank_account',
    currency: row.currency.toLowerCase(),
    country: row.country,
    account_holder_name: row.account_holder_name,
    bank_name: row.bank_name,
    routing_number: row.routing_number,
    last4: row.last4,
    fingerprint: row.fingerprint,
    status: row.status,
    default_for_currency: row.default_for_currency,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/**
 * Adds a bank account for payouts in one currency: its numbers go to the vault, and only the
 * last 4 digits (and the routing number, which is public) are kept here. The first account of a
 * currency becomes its default; `default_for_currency` moves the default to the new one.
 */
export async function addBankAccount(
  tx: Queryable,
  owner: Owner,
  input: z.output<typeof createBankAccountInput>,
  services: { vault: Vault; clock: Clock },
): Promise<BankAccount> {
  const currency = input.currency.toUpperCase();
  const stored = await services.vault.storeBankAccount(tx, owner.merchantId, {
    accountNumber: input.account_number,
    routingNumber: input.routing_number ?? null,
  });
  // One writer of a merchant's defaults at a time (the partial unique index would refuse a race).
  await query(tx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 15))`, [
    `bank_accounts:${owner.merchantId}:${owner.livemode}:${currency}`,
  ]);
  const [duplicate] = await query<{ id: string }>(
    tx,
    `SELECT id FROM bank_accounts WHERE merchant_id = $1 AND livemode = $2 AND currency = $3 AND fingerprint = $4`,
    [owner.merchantId, owner.livemode, currency, stored.fingerprint],
  );
  if (duplicate)
    throw invalidRequest(
      'bank_account_exists',
      `This account is already added for ${input.currency} (${duplicate.id}).`,
      'account_number',
    );
  const [current] = await query<{ id: string }>(
    tx,
    `SELECT id FROM bank_accounts WHERE merchant_id = $1 AND livemode = $2 AND currency = $3 AND default_for_currency`,
    [owner.merchantId, owner.livemode, currency],
  );
  const makeDefault = !current || input.default_for_currency === true;
  if (makeDefault && current)
    await query(
      tx,
      `UPDATE bank_accounts SET default_for_currency = false, updated_at = now() WHERE id = $1`,
      [current.id],
    );
  const now = services.clock.now();
  const [row] = await query<BankAccountRow>(
    tx,
    `INSERT INTO bank_accounts (id, merchant_id, livemode, currency, country, account_holder_name,
       bank_name, routing_number, last4, fingerprint, vault_bank_account_id, status,
       default_for_currency, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12, $13, $13)
     RETURNING ${COLUMNS}`,
    [
      newId('bankAccount'),
      owner.merchantId,
      owner.livemode,
      currency,
      input.country,
      input.account_holder_name,
      input.bank_name ?? null,
      input.routing_number ?? null,
      stored.last4,
      stored.fingerprint,
      stored.vaultBankAccountId,
      makeDefault,
      now,
    ],
  );
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return bankAccountView(row);
}

export async function listBankAccounts(db: Queryable, owner: Owner): Promise<BankAccount[]> {
  const rows = await query<BankAccountRow>(
    db,
    `SELECT ${COLUMNS} FROM bank_accounts WHERE merchant_id = $1 AND livemode = $2
      ORDER BY currency, default_for_currency DESC, created_at DESC, id DESC`,
    [owner.merchantId, owner.livemode],
  );
  return rows.map(bankAccountView);
}

async function loadBankAccount(
  db: Queryable,
  owner: Owner,
  id: string,
  forUpdate = false,
): Promise<BankAccountRow> {
  const [row] = await query<BankAccountRow>(
    db,
    `SELECT ${COLUMNS} FROM bank_accounts WHERE id = $1 AND merchant_id = $2 AND livemode = $3
     ${forUpdate ? 'FOR UPDATE' : ''}`,
    [id, owner.merchantId, owner.livemode],
  );
  if (!row) throw notFound('bank account', id);
  return row;
}

/** Makes an account the one payouts in its currency go to. */
export async function setDefaultBankAccount(
  tx: Queryable,
  owner: Owner,
  id: string,
): Promise<BankAccount> {
  const row = await loadBankAccount(tx, owner, id, true);
  await query(tx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 15))`, [
    `bank_accounts:${owner.merchantId}:${owner.livemode}:${row.currency}`,
  ]);
  // Two statements: the partial unique index is checked row by row, so the old default goes first.
  await query(
    tx,
    `UPDATE bank_accounts SET default_for_currency = false, updated_at = now()
      WHERE merchant_id = $1 AND livemode = $2 AND currency = $3 AND default_for_currency AND id <> $4`,
    [owner.merchantId, owner.livemode, row.currency, id],
  );
  await query(
    tx,
    `UPDATE bank_accounts SET default_for_currency = true, updated_at = now() WHERE id = $1`,
    [id],
  );
  return bankAccountView({ ...row, default_for_currency: true });
}

/** Removes an account that is not its currency's default (payouts must have somewhere to go). */
export async function deleteBankAccount(
  tx: Queryable,
  owner: Owner,
  id: string,
): Promise<{ id: string; object: 'bank_account'; deleted: true }> {
  const row = await loadBankAccount(tx, owner, id, true);
  if (row.default_for_currency)
    throw invalidRequest(
      'bank_account_default',
      'This is the default account for its currency: make another one the default first.',
      'id',
    );
  const [inFlight] = await query<{ id: string }>(
    tx,
    `SELECT id FROM payouts WHERE bank_account_id = $1 AND status IN ('pending', 'in_transit') LIMIT 1`,
    [id],
  );
  if (inFlight)
    throw invalidRequest(
      'bank_account_in_use',
      `Payout ${inFlight.id} is on its way to this account: remove it once the payout has arrived.`,
      'id',
    );
  await query(tx, `DELETE FROM bank_accounts WHERE id = $1`, [id]);
  return { id, object: 'bank_account', deleted: true };
}

/** The account a payout in `currency` goes to now, or null when there is none. */
export async function defaultBankAccount(
  db: Queryable,
  owner: Owner,
  currency: string,
): Promise<BankAccountRow | null> {
  const [row] = await query<BankAccountRow>(
    db,
    `SELECT ${COLUMNS} FROM bank_accounts
      WHERE merchant_id = $1 AND livemode = $2 AND currency = $3 AND default_for_currency`,
    [owner.merchantId, owner.livemode, currency],
  );
  return row ?? null;
}
