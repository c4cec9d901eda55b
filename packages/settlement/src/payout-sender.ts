import { type Clock, newId } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import {
  AccountLimitError,
  payoutFailed as bookPayoutFailed,
  payoutPaid as bookPayoutPaid,
  type EventMetadata,
} from '@kassa/ledger';
import type { Vault } from '@kassa/vault';
import type pg from 'pg';
import { type BankClient, BankError, type BankTransfer } from './bank.ts';
import { dayOf, type SettlementCalendar } from './days.ts';
import { PAYOUT_COLUMNS, type PayoutRow, recordPayoutEvent } from './payouts.ts';

/** Failure codes that say the account itself is wrong: it is marked `errored`. */
const ACCOUNT_FAILURES = new Set(['no_account', 'account_closed', 'invalid_currency']);

export const FAILURE_MESSAGES: Record<string, string> = {
  no_account: 'The bank account does not exist.',
  account_closed: 'The bank account is closed.',
  insufficient_funds: 'The bank could not complete the transfer (insufficient funds).',
  debit_not_authorized: 'The bank did not authorize the transfer.',
  invalid_currency: 'The bank account cannot receive this currency.',
  could_not_process: 'The bank could not process the payout.',
};

export interface PayoutSenderOptions {
  pool: pg.Pool;
  clock: Clock;
  calendar: SettlementCalendar;
  vault: Vault;
  /** The bank of each mode; a mode without one keeps its payouts pending (and says so). */
  banks: { test?: BankClient; live?: BankClient };
  /** How long a claimed payout is left alone (a sender that died mid-call is retried after it). */
  leaseMs?: number;
  /** How long to wait before asking the bank again about a transfer in transit. */
  checkEveryMs?: number;
  /** Retries of a payout the bank did not answer: base and cap of the exponential wait. */
  retryBaseMs?: number;
  retryCapMs?: number;
  log?: { warn(object: object, message?: string): void };
}

const metadata: EventMetadata = { actor: 'settlement_worker' };

export function bankRetryDelayMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Claims payouts due for the bank (`status` pending or in_transit, `next_bank_attempt_at` passed)
 * one at a time: the claim moves `next_bank_attempt_at` a lease ahead and commits before the
 * bank is called, so no transaction stays open while the bank thinks and two senders never
 * call about one payout at once.
 */
async function claim(
  options: PayoutSenderOptions,
  status: 'pending' | 'in_transit',
): Promise<(PayoutRow & { bank_attempts: number }) | null> {
  const now = options.clock.now();
  return withTransaction(options.pool, async (tx) => {
    const [row] = await query<PayoutRow & { bank_attempts: number }>(
      tx,
      `SELECT ${PAYOUT_COLUMNS}, bank_attempts FROM payouts
        WHERE status = $1 AND (next_bank_attempt_at IS NULL OR next_bank_attempt_at <= $2)
          AND ($3 OR NOT livemode) AND ($4 OR livemode)
        ORDER BY next_bank_attempt_at NULLS FIRST, created_at LIMIT 1
        FOR UPDATE SKIP LOCKED`,
      [status, now, options.banks.live !== undefined, options.banks.test !== undefined],
    );
    if (!row) return null;
    await query(
      tx,
      `UPDATE payouts SET next_bank_attempt_at = $2, bank_attempts = bank_attempts + 1 WHERE id = $1`,
      [row.id, new Date(now.getTime() + (options.leaseMs ?? 60_000))],
    );
    return { ...row, bank_attempts: row.bank_attempts + 1 };
  });
}

/**
 * Sends every pending payout that is due to the bank: the account's numbers come out of the
 * vault for the call and nowhere else; the Idempotency-Key is the payout's id, so a retry after
 * a lost answer (or a sender killed mid-call) finds the first transfer instead of paying twice.
 * An answer moves the payout to in_transit (`payout.updated`); a refusal fails it (funds back
 * to available); no answer leaves it pending for a retry, after a wait that doubles.
 */
export async function sendDuePayouts(options: PayoutSenderOptions): Promise<number> {
  let sent = 0;
  for (let row = await claim(options, 'pending'); row; row = await claim(options, 'pending')) {
    const bank = row.livemode ? options.banks.live : options.banks.test;
    if (!bank) throw new Error('claim() only returns payouts of a mode with a bank');
    if (!row.bank_account_id) throw new Error(`payout ${row.id} has no bank account (schema)`);
    const [account] = await query<{ vault_bank_account_id: string; account_holder_name: string }>(
      options.pool,
      `SELECT vault_bank_account_id, account_holder_name FROM bank_accounts WHERE id = $1`,
      [row.bank_account_id],
    );
    if (!account) throw new Error(`payout ${row.id}: bank account ${row.bank_account_id} is gone`);
    let transfer: BankTransfer;
    try {
      const details = await options.vault.revealBankAccount(
        options.pool,
        account.vault_bank_account_id,
      );
      transfer = await bank.createTransfer(
        {
          amount: row.amount,
          currency: row.currency,
          reference: row.id,
          account: { ...details, holderName: account.account_holder_name },
        },
        `payout:${row.id}`,
      );
    } catch (error) {
      if (error instanceof BankError && !error.retryable) {
        await failPayout(options, row.id, 'could_not_process', error.message);
        continue;
      }
      const wait = bankRetryDelayMs(
        row.bank_attempts,
        options.retryBaseMs ?? 5_000,
        options.retryCapMs ?? 3_600_000,
      );
      options.log?.warn(
        { payout: row.id, attempts: row.bank_attempts, retryInMs: wait, err: error },
        'payout not sent; retrying',
      );
      await query(options.pool, `UPDATE payouts SET next_bank_attempt_at = $2 WHERE id = $1`, [
        row.id,
        new Date(options.clock.now().getTime() + wait),
      ]);
      continue;
    }
    await withTransaction(options.pool, async (tx) => {
      const [current] = await query<PayoutRow>(
        tx,
        `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = $1 FOR UPDATE`,
        [row.id],
      );
      if (current?.status !== 'pending') return;
      const now = options.clock.now();
      const [updated] = await query<PayoutRow>(
        tx,
        `UPDATE payouts SET status = 'in_transit', bank_transfer_id = $2, version = version + 1,
                next_bank_attempt_at = $3, bank_attempts = 0, updated_at = $4
          WHERE id = $1 RETURNING ${PAYOUT_COLUMNS}`,
        [row.id, transfer.id, new Date(now.getTime() + (options.checkEveryMs ?? 5_000)), now],
      );
      await recordPayoutEvent(tx, updated as PayoutRow, 'payout.updated', metadata, now);
    });
    sent += 1;
  }
  return sent;
}

/**
 * Asks the bank about every payout in transit that is due for a check: paid ones are booked
 * (payouts in transit to the platform's cash) and marked `paid`; failed ones are returned to
 * the merchant's available balance (a `payout_failure` balance transaction) and marked
 * `failed` with the bank's code. Returns how many it settled either way.
 */
export async function checkPayoutsInTransit(options: PayoutSenderOptions): Promise<number> {
  let settled = 0;
  for (
    let row = await claim(options, 'in_transit');
    row;
    row = await claim(options, 'in_transit')
  ) {
    const bank = row.livemode ? options.banks.live : options.banks.test;
    if (!bank || !row.bank_transfer_id)
      throw new Error(`payout ${row.id} in transit has no transfer`);
    let transfer: BankTransfer;
    try {
      transfer = await bank.retrieveTransfer(row.bank_transfer_id);
    } catch (error) {
      options.log?.warn({ payout: row.id, err: error }, 'could not ask the bank about a payout');
      await reschedule(options, row.id);
      continue;
    }
    if (transfer.status === 'pending') {
      await reschedule(options, row.id);
    } else if (transfer.status === 'paid') {
      const paid = await markPaid(options, row.id);
      if (paid) settled += 1;
    } else {
      await failPayout(
        options,
        row.id,
        transfer.failure_code ?? 'could_not_process',
        FAILURE_MESSAGES[transfer.failure_code ?? ''] ?? 'The bank could not process the payout.',
      );
      settled += 1;
    }
  }
  return settled;
}

async function reschedule(options: PayoutSenderOptions, id: string): Promise<void> {
  await query(options.pool, `UPDATE payouts SET next_bank_attempt_at = $2 WHERE id = $1`, [
    id,
    new Date(options.clock.now().getTime() + (options.checkEveryMs ?? 5_000)),
  ]);
}

async function markPaid(options: PayoutSenderOptions, id: string): Promise<boolean> {
  try {
    await withTransaction(options.pool, async (tx) => {
      const [row] = await query<PayoutRow>(
        tx,
        `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (row?.status !== 'in_transit') return;
      const now = options.clock.now();
      await bookPayoutPaid(
        tx,
        {
          merchantId: row.merchant_id,
          currency: row.currency,
          amount: row.amount,
          livemode: row.livemode,
        },
        { reference: row.id, occurredAt: now, metadata },
      );
      const [updated] = await query<PayoutRow>(
        tx,
        `UPDATE payouts SET status = 'paid', version = version + 1, next_bank_attempt_at = NULL,
                arrival_date = $2, updated_at = $3
          WHERE id = $1 RETURNING ${PAYOUT_COLUMNS}`,
        [id, dayOf(now, options.calendar), now],
      );
      await recordPayoutEvent(tx, updated as PayoutRow, 'payout.paid', metadata, now);
    });
    return true;
  } catch (error) {
    // The bank paid it, but the platform's books hold less cash than it: the acquirer's
    // settlement that funds it is not booked yet (reconciliation books it). The payout stays in
    // transit and is checked again; nothing is booked that the books cannot hold.
    if (error instanceof AccountLimitError) {
      options.log?.warn(
        { payout: id, err: error },
        "paid by the bank, but the platform's cash is not booked yet; checking again later",
      );
      await reschedule(options, id);
      return false;
    }
    throw error;
  }
}

/** Fails a payout: its funds go back to available, and the next payout takes them. */
async function failPayout(
  options: PayoutSenderOptions,
  id: string,
  code: string,
  message: string,
): Promise<void> {
  await withTransaction(options.pool, async (tx) => {
    const [row] = await query<PayoutRow>(
      tx,
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (row?.status !== 'pending' && row?.status !== 'in_transit') return;
    const now = options.clock.now();
    const entry = await bookPayoutFailed(
      tx,
      {
        merchantId: row.merchant_id,
        currency: row.currency,
        amount: row.amount,
        livemode: row.livemode,
      },
      { reference: row.id, occurredAt: now, metadata },
    );
    const txn = newId('balanceTransaction');
    await query(
      tx,
      `INSERT INTO balance_transactions
         (id, merchant_id, livemode, type, amount, fee, net, currency, fee_details, status,
          available_on, source, ledger_entry_id, payout_id, created_at)
       VALUES ($1, $2, $3, 'payout_failure', $4, 0, $4, $5, '[]', 'available', $6, $7, $8, NULL, $9)`,
      [
        txn,
        row.merchant_id,
        row.livemode,
        row.amount,
        row.currency,
        dayOf(now, options.calendar),
        row.id,
        entry.entryId,
        now,
      ],
    );
    const [updated] = await query<PayoutRow>(
      tx,
      `UPDATE payouts SET status = 'failed', failure_code = $2, failure_message = $3,
              failure_balance_transaction_id = $4, version = version + 1,
              next_bank_attempt_at = NULL, updated_at = $5
        WHERE id = $1 RETURNING ${PAYOUT_COLUMNS}`,
      [id, code, message, txn, now],
    );
    if (ACCOUNT_FAILURES.has(code) && row.bank_account_id)
      await query(
        tx,
        `UPDATE bank_accounts SET status = 'errored', updated_at = $2 WHERE id = $1`,
        [row.bank_account_id, now],
      );
    await recordPayoutEvent(tx, updated as PayoutRow, 'payout.failed', metadata, now);
  });
}
