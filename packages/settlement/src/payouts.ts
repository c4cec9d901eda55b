import { type Clock, newId, type Payout } from '@kassa/contracts';
import { type PayoutRecord, type Queryable, query } from '@kassa/db';
import {
  accountFor,
  appendToStream,
  balanceOf,
  payout as bookPayout,
  type EventMetadata,
  getBalance,
  type JsonObject,
} from '@kassa/ledger';
import type { Owner } from './balance-transactions.ts';
import { addDays, dayOf, type SettlementCalendar } from './days.ts';
import { SettlementError } from './errors.ts';

export type PayoutRow = Omit<
  PayoutRecord,
  | 'arrival_date'
  | 'settlement_day'
  | 'metadata'
  | 'updated_at'
  | 'bank_attempts'
  | 'next_bank_attempt_at'
  | 'failure_balance_transaction_id'
> & {
  arrival_date: string;
  settlement_day: string | null;
  metadata: Record<string, string>;
};

export const PAYOUT_COLUMNS = `id, merchant_id, livemode, amount, currency, status, automatic,
  arrival_date::text AS arrival_date, settlement_day::text AS settlement_day, failure_code,
  failure_message, balance_transaction_id, bank_account_id, bank_transfer_id, description,
  metadata, version, created_at`;

export function payoutView(row: PayoutRow): Payout {
  return {
    id: row.id,
    object: 'payout',
    amount: Number(row.amount),
    currency: row.currency.toLowerCase(),
    status: row.status,
    automatic: row.automatic,
    arrival_date: row.arrival_date,
    settlement_day: row.settlement_day,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    balance_transaction: row.balance_transaction_id,
    destination: row.bank_account_id,
    description: row.description,
    metadata: row.metadata,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/** One merchant's money in one mode and currency: what a close and a payout work on. */
export interface Unit extends Owner {
  /** ISO 4217, upper case. */
  currency: string;
}

/**
 * Serialises everything that moves one unit's available funds (the close, payouts.create) for
 * the rest of the transaction, so a payout never reads a balance a concurrent close is changing.
 */
export async function lockUnit(tx: Queryable, unit: Unit): Promise<void> {
  await query(tx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 14))`, [
    `settlement:${unit.merchantId}:${unit.livemode}:${unit.currency}`,
  ]);
}

/**
 * The unit's available funds that no payout has taken yet, and the ledger's available balance:
 * they are equal, always; a difference stops the caller (nothing is paid on a wrong number).
 */
export async function unpaidAvailable(tx: Queryable, unit: Unit): Promise<bigint> {
  const [sum] = await query<{ total: bigint }>(
    tx,
    `SELECT COALESCE(sum(net), 0)::bigint AS total FROM balance_transactions
      WHERE merchant_id = $1 AND livemode = $2 AND currency = $3
        AND status = 'available' AND payout_id IS NULL`,
    [unit.merchantId, unit.livemode, unit.currency],
  );
  const account = await accountFor(
    tx,
    'merchant_available',
    unit.currency,
    unit.merchantId,
    unit.livemode,
  );
  const { posted } = balanceOf(account, await getBalance(tx, account.id));
  const total = sum?.total ?? 0n;
  if (total !== posted)
    throw new SettlementError(
      'balance_mismatch',
      `${unit.merchantId} (${unit.livemode ? 'live' : 'test'}) ${unit.currency}: unpaid available balance transactions sum to ${total}, the ledger's available balance is ${posted}.`,
    );
  return total;
}

export async function recordPayoutEvent(
  tx: Queryable,
  row: PayoutRow,
  type: 'payout.created' | 'payout.updated' | 'payout.paid' | 'payout.failed',
  metadata: EventMetadata,
  occurredAt: Date,
): Promise<void> {
  await appendToStream(tx, {
    stream: `payout:${row.id}`,
    expectedVersion: row.version === 1 ? 'no_stream' : row.version - 1,
    merchantId: row.merchant_id,
    occurredAt,
    events: [{ type, data: { object: payoutView(row) as unknown as JsonObject }, metadata }],
  });
}

/**
 * Pays out all of a unit's unpaid available funds, inside the caller's transaction, which holds
 * the unit's lock (lockUnit) and has checked `amount` against unpaidAvailable: the ledger moves
 * the amount from the merchant's available account to payouts in transit, the payout's own
 * balance transaction (−amount) is written, and every unpaid available balance transaction is
 * marked as paid by this payout, so the transactions of a payout sum to zero: what it contains,
 * less the payout itself.
 */
export async function createPayoutOfUnit(
  tx: Queryable,
  unit: Unit,
  p: {
    amount: bigint;
    /** The account it goes to: the unit's default for its currency. */
    bankAccountId: string;
    automatic: boolean;
    settlementDay: string | null;
    description?: string | null;
    metadata?: Record<string, string>;
    clock: Clock;
    calendar: SettlementCalendar;
    eventMetadata: EventMetadata;
  },
): Promise<PayoutRow> {
  if (p.amount <= 0n)
    throw new SettlementError('invalid_payout', 'A payout pays a positive amount.');
  const now = p.clock.now();
  const payoutId = newId('payout');
  const txnId = newId('balanceTransaction');
  const entry = await bookPayout(
    tx,
    {
      merchantId: unit.merchantId,
      currency: unit.currency,
      amount: p.amount,
      livemode: unit.livemode,
    },
    { reference: payoutId, occurredAt: now, metadata: p.eventMetadata },
  );
  const contained = await query<{ net: bigint }>(
    tx,
    `UPDATE balance_transactions SET payout_id = $4
      WHERE merchant_id = $1 AND livemode = $2 AND currency = $3
        AND status = 'available' AND payout_id IS NULL
      RETURNING net`,
    [unit.merchantId, unit.livemode, unit.currency, payoutId],
  );
  const total = contained.reduce((sum, row) => sum + row.net, 0n);
  if (total !== p.amount)
    throw new SettlementError(
      'payout_mismatch',
      `Payout of ${p.amount} would contain balance transactions summing to ${total}.`,
    );
  const today = p.settlementDay ?? dayOf(now, p.calendar);
  await query(
    tx,
    `INSERT INTO balance_transactions
       (id, merchant_id, livemode, type, amount, fee, net, currency, fee_details, status,
        available_on, source, ledger_entry_id, payout_id, created_at)
     VALUES ($1, $2, $3, 'payout', $4, 0, $4, $5, '[]', 'available', $6, $7, $8, $7, $9)`,
    [
      txnId,
      unit.merchantId,
      unit.livemode,
      -p.amount,
      unit.currency,
      today,
      payoutId,
      entry.entryId,
      now,
    ],
  );
  const [row] = await query<PayoutRow>(
    tx,
    `INSERT INTO payouts (id, merchant_id, livemode, amount, currency, status, automatic,
        arrival_date, settlement_day, balance_transaction_id, description, metadata, version,
        created_at, updated_at, bank_account_id)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, 1, $12, $12, $13)
     RETURNING ${PAYOUT_COLUMNS}`,
    [
      payoutId,
      unit.merchantId,
      unit.livemode,
      p.amount,
      unit.currency,
      p.automatic,
      addDays(today, 1),
      p.settlementDay,
      txnId,
      p.description ?? null,
      JSON.stringify(p.metadata ?? {}),
      now,
      p.bankAccountId,
    ],
  );
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  await recordPayoutEvent(tx, row, 'payout.created', p.eventMetadata, now);
  return row;
}
