import type {
  BalanceTransaction,
  Clock,
  createPayoutInput,
  listBalanceTransactionsInput,
  listPayoutsInput,
  Payout,
} from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { EventMetadata } from '@kassa/ledger';
import {
  invalidRequest,
  KassaApiError,
  keysetPage,
  notFound,
  type PageRequest,
} from '@kassa/payments';
import type { z } from 'zod';
import {
  BALANCE_TRANSACTION_COLUMNS,
  type BalanceTransactionRow,
  balanceTransactionView,
  type Owner,
} from './balance-transactions.ts';
import { defaultBankAccount } from './bank-accounts.ts';
import type { SettlementCalendar } from './days.ts';
import {
  createPayoutOfUnit,
  lockUnit,
  PAYOUT_COLUMNS,
  type PayoutRow,
  payoutView,
  unpaidAvailable,
} from './payouts.ts';
import { loadSchedule } from './schedule.ts';

// The settlement objects as the API serves them: balance transactions and payouts, each read
// scoped to the asking merchant and mode (another merchant's id is a 404, as if it did not exist).

async function loadScoped<Row extends { id: string; created_at: Date }>(
  db: Queryable,
  owner: Owner,
  table: string,
  columns: string,
  what: string,
  id: string,
  param = 'id',
): Promise<Row> {
  const [row] = await query<Row>(
    db,
    `SELECT ${columns} FROM ${table} WHERE id = $1 AND merchant_id = $2 AND livemode = $3`,
    [id, owner.merchantId, owner.livemode],
  );
  if (!row) throw notFound(what, id, param);
  return row;
}

/**
 * One page of the owner's rows of `table`, newest first (keysetPage), with `filters` beyond the
 * owner's; a cursor of another merchant is a 404 naming the cursor parameter.
 */
async function listScoped<Row extends { id: string; created_at: Date }, View>(
  db: Queryable,
  owner: Owner,
  source: { table: string; columns: string; what: string; view: (row: Row) => View },
  filters: Array<[string, unknown]>,
  page: PageRequest,
): Promise<{ object: 'list'; data: View[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<Row>(db, {
    table: source.table,
    columns: source.columns,
    filters: [['merchant_id = ?', owner.merchantId], ['livemode = ?', owner.livemode], ...filters],
    page,
    cursor: (id) =>
      loadScoped(
        db,
        owner,
        source.table,
        'id, created_at',
        source.what,
        id,
        page.starting_after ? 'starting_after' : 'ending_before',
      ),
  });
  return { object: 'list', data: rows.map(source.view), has_more: hasMore };
}

export async function retrieveBalanceTransaction(
  db: Queryable,
  owner: Owner,
  id: string,
): Promise<BalanceTransaction> {
  return balanceTransactionView(
    await loadScoped<BalanceTransactionRow>(
      db,
      owner,
      'balance_transactions',
      BALANCE_TRANSACTION_COLUMNS,
      'balance transaction',
      id,
    ),
  );
}

/** balanceTransactions.list: newest first; by type, payout, source, currency, available_on. */
export async function listBalanceTransactions(
  db: Queryable,
  owner: Owner,
  input: z.output<typeof listBalanceTransactionsInput>,
): Promise<{ object: 'list'; data: BalanceTransaction[]; has_more: boolean }> {
  const filters: Array<[string, unknown]> = [];
  if (input.type) filters.push(['type = ?::balance_transaction_type', input.type]);
  if (input.payout) filters.push(['payout_id = ?', input.payout]);
  if (input.source) filters.push(['source = ?', input.source]);
  if (input.currency) filters.push(['currency = ?', input.currency.toUpperCase()]);
  const range = input.available_on ?? {};
  if (range.gt) filters.push(['available_on > ?::date', range.gt]);
  if (range.gte) filters.push(['available_on >= ?::date', range.gte]);
  if (range.lt) filters.push(['available_on < ?::date', range.lt]);
  if (range.lte) filters.push(['available_on <= ?::date', range.lte]);
  return listScoped<BalanceTransactionRow, BalanceTransaction>(
    db,
    owner,
    {
      table: 'balance_transactions',
      columns: BALANCE_TRANSACTION_COLUMNS,
      what: 'balance transaction',
      view: balanceTransactionView,
    },
    filters,
    input,
  );
}

export async function retrievePayout(db: Queryable, owner: Owner, id: string): Promise<Payout> {
  return payoutView(
    await loadScoped<PayoutRow>(db, owner, 'payouts', PAYOUT_COLUMNS, 'payout', id),
  );
}

export async function listPayouts(
  db: Queryable,
  owner: Owner,
  input: z.output<typeof listPayoutsInput>,
): Promise<{ object: 'list'; data: Payout[]; has_more: boolean }> {
  const filters: Array<[string, unknown]> = [];
  if (input.status) filters.push(['status = ?::payout_status', input.status]);
  if (input.currency) filters.push(['currency = ?', input.currency.toUpperCase()]);
  return listScoped<PayoutRow, Payout>(
    db,
    owner,
    { table: 'payouts', columns: PAYOUT_COLUMNS, what: 'payout', view: payoutView },
    filters,
    input,
  );
}

/**
 * payouts.create, inside the caller's transaction (the API's idempotent mutation): pays out the
 * whole available balance in one currency, for merchants on the manual schedule. `amount` must
 * equal that balance (the number the caller confirmed), so nobody pays out a surprise.
 */
export async function createManualPayout(
  tx: Queryable,
  owner: Owner,
  input: z.output<typeof createPayoutInput>,
  services: { clock: Clock; calendar: SettlementCalendar; eventMetadata: EventMetadata },
): Promise<Payout> {
  const schedule = await loadSchedule(tx, owner);
  if (schedule.interval !== 'manual')
    throw invalidRequest(
      'payout_schedule_automatic',
      `Payouts are made automatically on your ${schedule.interval} schedule; switch it to manual to pay out by hand.`,
    );
  const unit = { ...owner, currency: input.currency.toUpperCase() };
  await lockUnit(tx, unit);
  const available = await unpaidAvailable(tx, unit);
  if (available <= 0n)
    throw invalidRequest(
      'balance_insufficient',
      `There is no available balance in ${input.currency} to pay out.`,
      'currency',
    );
  if (BigInt(input.amount) !== available)
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'balance_changed',
      message: `The available balance in ${input.currency} is ${available}, not ${input.amount}: a payout pays out the whole available balance. Confirm the new amount.`,
      param: 'amount',
      status: 409,
    });
  const account = await defaultBankAccount(tx, owner, unit.currency);
  if (!account)
    throw invalidRequest(
      'no_bank_account',
      `There is no bank account for ${input.currency} payouts: add one in Settings.`,
      'currency',
    );
  if (account.status === 'errored')
    throw invalidRequest(
      'bank_account_errored',
      `A payout to the ${input.currency} account ending ${account.last4} failed: add a working account first.`,
      'currency',
    );
  const row = await createPayoutOfUnit(tx, unit, {
    amount: available,
    bankAccountId: account.id,
    automatic: false,
    settlementDay: null,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    clock: services.clock,
    calendar: services.calendar,
    eventMetadata: services.eventMetadata,
  });
  return payoutView(row);
}
