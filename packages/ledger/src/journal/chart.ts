import type { Queryable } from '@kassa/db';
import { ensureAccount, findAccount } from './accounts.ts';
import { ledgerOwner } from './books.ts';
import { type AccountCache, type BookedEntry, type BookOptions, bookEntry } from './entries.ts';
import { type PlacedHold, placeHold, postHold, voidHold } from './holds.ts';
import type { AccountFlags, Leg, NormalBalance } from './types.ts';

export { ledgerOwner, merchantOfOwner, platformOwnerOf } from './books.ts';

/**
 * Kassa's chart of accounts and the postings of each business event. docs/ledger.md lists the
 * same thing as tables; the payments API, settlement and payouts call these functions, never
 * bookEntry with hand-made legs.
 */
export const chartOfAccounts = {
  merchant_pending: {
    owner: 'merchant',
    normalBalance: 'credit',
    description:
      'Captured funds owed to the merchant, not yet settled (may go negative through refunds and disputes)',
  },
  merchant_available: {
    owner: 'merchant',
    normalBalance: 'credit',
    debitsMustNotExceedCredits: true,
    description: 'Settled funds owed to the merchant, which payouts draw on; never below zero',
  },
  merchant_reserved: {
    owner: 'merchant',
    normalBalance: 'credit',
    debitsMustNotExceedCredits: true,
    description: 'Funds held back from the merchant (rolling reserve); never below zero',
  },
  acquirer_receivable: {
    owner: 'platform',
    normalBalance: 'debit',
    description:
      'What the acquirer owes the platform for captured payments, less refunds and disputes',
  },
  acquirer_fees: {
    owner: 'platform',
    normalBalance: 'debit',
    description: 'What the acquirer charged the platform (an expense)',
  },
  platform_fees: {
    owner: 'platform',
    normalBalance: 'credit',
    description: 'Fees the platform earned (revenue); takes a leg of every capture',
  },
  platform_cash: {
    owner: 'platform',
    normalBalance: 'debit',
    creditsMustNotExceedDebits: true,
    description: "Money in the platform's bank account; can never pay out more than it holds",
  },
  payouts_in_transit: {
    owner: 'platform',
    normalBalance: 'credit',
    description: 'Payouts sent to merchants that the bank has not confirmed yet',
  },
} as const satisfies Record<
  string,
  AccountFlags & {
    owner: 'merchant' | 'platform';
    normalBalance: NormalBalance;
    description: string;
  }
>;

export type AccountCode = keyof typeof chartOfAccounts;

/**
 * The account `code` of `merchantId` (or of the platform) in `currency`, in the live book or
 * (`livemode` false) the test book, opened on first use.
 */
export async function accountFor(
  tx: Queryable,
  code: AccountCode,
  currency: string,
  merchantId: string | undefined,
  livemode: boolean,
  cache?: AccountCache,
) {
  const spec = chartOfAccounts[code];
  const owner = spec.owner === 'platform' ? 'platform' : merchantId;
  if (!owner) throw new Error(`account ${code} belongs to a merchant: pass the merchant id`);
  const bookOwner = ledgerOwner(owner, livemode);
  const known = cache?.get(bookOwner, code, currency);
  if (known) return known;
  // Only an account that existed before this transaction is remembered: one opened here would
  // not exist if the transaction rolled back.
  const existing = await findAccount(tx, bookOwner, code, currency);
  if (existing) {
    cache?.set(existing);
    return existing;
  }
  return ensureAccount(tx, { ...spec, owner: bookOwner, code, currency });
}

interface Money {
  merchantId: string;
  currency: string;
  amount: bigint;
  /** false: the test book. Always said: money never lands in the live book by default. */
  livemode: boolean;
}

async function legs(
  tx: Queryable,
  currency: string,
  merchantId: string | undefined,
  livemode: boolean,
  cache: AccountCache | undefined,
  ...spec: Array<[AccountCode, 'debit' | 'credit', bigint]>
): Promise<Array<Omit<Leg, 'kind'>>> {
  const out: Array<Omit<Leg, 'kind'>> = [];
  for (const [code, side, amount] of spec) {
    if (amount === 0n) continue; // e.g. a zero fee: no leg rather than a zero posting
    const account = await accountFor(tx, code, currency, merchantId, livemode, cache);
    out.push({ accountId: account.id, side, amount, currency });
  }
  return out;
}

/** What capturing `amount` posts (capture and sale alike): receivable, merchant's share, fee. */
function capturedLegs(p: {
  amount: bigint;
  fee: bigint;
}): Array<[AccountCode, 'debit' | 'credit', bigint]> {
  return [
    ['acquirer_receivable', 'debit', p.amount],
    ['merchant_pending', 'credit', p.amount - p.fee],
    ['platform_fees', 'credit', p.fee],
  ];
}

/** Authorization: the acquirer approved; reserve the amount until capture, release or expiry. */
export async function authorize(
  tx: Queryable,
  p: Money & { holdId?: string; expiresAt?: Date | null },
  options?: BookOptions,
): Promise<PlacedHold> {
  return placeHold(
    tx,
    {
      holdId: p.holdId,
      code: 'authorize',
      expiresAt: p.expiresAt,
      legs: await legs(
        tx,
        p.currency,
        p.merchantId,
        p.livemode,
        options?.accounts,
        ['acquirer_receivable', 'debit', p.amount],
        ['merchant_pending', 'credit', p.amount],
      ),
    },
    { merchantId: p.merchantId, ...options },
  );
}

/**
 * Capture (full or partial): post `amount` of the hold, the fee to the platform, the rest to the
 * merchant; whatever was authorized beyond `amount` is released.
 */
export async function capture(
  tx: Queryable,
  p: Money & { holdId: string; fee: bigint },
  options?: BookOptions,
): Promise<BookedEntry> {
  return postHold(
    tx,
    {
      holdId: p.holdId,
      code: 'capture',
      legs: await legs(
        tx,
        p.currency,
        p.merchantId,
        p.livemode,
        options?.accounts,
        ...capturedLegs(p),
      ),
    },
    { merchantId: p.merchantId, ...options },
  );
}

/**
 * Sale: an authorization captured in the same message (automatic capture). The same postings as
 * a capture, in one entry: no hold is placed, since nothing would ever be reserved.
 */
export function sale(tx: Queryable, p: Money & { fee: bigint }, options?: BookOptions) {
  return book(tx, 'sale', p, options, ...capturedLegs(p));
}

/** Release: the authorization is canceled; its whole reservation is given back (in its own book). */
export function release(
  tx: Queryable,
  p: { holdId: string; merchantId: string },
  options?: BookOptions,
) {
  return voidHold(
    tx,
    { holdId: p.holdId, code: 'release' },
    { merchantId: p.merchantId, ...options },
  );
}

async function book(
  tx: Queryable,
  code: string,
  money: { currency: string; merchantId?: string; livemode: boolean },
  options: BookOptions | undefined,
  ...spec: Array<[AccountCode, 'debit' | 'credit', bigint]>
): Promise<BookedEntry> {
  return bookEntry(
    tx,
    {
      code,
      legs: await legs(
        tx,
        money.currency,
        money.merchantId,
        money.livemode,
        options?.accounts,
        ...spec,
      ),
    },
    { merchantId: money.merchantId ?? null, ...options },
  );
}

/** Refund: the merchant gives money back to the shopper; the capture fee is kept. */
export function refund(tx: Queryable, p: Money, options?: BookOptions) {
  return book(
    tx,
    'refund',
    p,
    options,
    ['merchant_pending', 'debit', p.amount],
    ['acquirer_receivable', 'credit', p.amount],
  );
}

/** A fee charged on its own (a dispute fee, a payout fee). */
export function fee(tx: Queryable, p: Money & { reason: string }, options?: BookOptions) {
  return book(
    tx,
    `fee:${p.reason}`,
    p,
    options,
    ['merchant_pending', 'debit', p.amount],
    ['platform_fees', 'credit', p.amount],
  );
}

/**
 * Settlement from the acquirer: it pays what it owes (`gross`: captures and won disputes' reversals,
 * less refunds and chargebacks), less its own fees, into the bank. A day of more refunds and
 * chargebacks than captures has a negative gross: the acquirer then takes the difference (and its
 * fees) from the platform's cash.
 */
export function settleFromAcquirer(
  tx: Queryable,
  p: { currency: string; gross: bigint; acquirerFee: bigint; livemode: boolean },
  options?: BookOptions,
) {
  if (p.acquirerFee < 0n) throw new Error('an acquirer fee is not negative');
  const net = p.gross - p.acquirerFee;
  const side = (amount: bigint, positive: 'debit' | 'credit'): ['debit' | 'credit', bigint] =>
    amount >= 0n ? [positive, amount] : [positive === 'debit' ? 'credit' : 'debit', -amount];
  return book(
    tx,
    'acquirer_settlement',
    { currency: p.currency, livemode: p.livemode },
    options,
    ['platform_cash', ...side(net, 'debit')],
    ['acquirer_fees', 'debit', p.acquirerFee],
    ['acquirer_receivable', ...side(p.gross, 'credit')],
  );
}

/** Settlement to the merchant: after the settlement delay, pending funds become available. */
export function makeAvailable(tx: Queryable, p: Money, options?: BookOptions) {
  return book(
    tx,
    'settle_to_available',
    p,
    options,
    ['merchant_pending', 'debit', p.amount],
    ['merchant_available', 'credit', p.amount],
  );
}

/** Payout created: available funds leave for the merchant's bank. Cannot overdraw available. */
export function payout(tx: Queryable, p: Money, options?: BookOptions) {
  return book(
    tx,
    'payout',
    p,
    options,
    ['merchant_available', 'debit', p.amount],
    ['payouts_in_transit', 'credit', p.amount],
  );
}

/** Payout paid: the bank confirms; the money leaves the platform's cash. */
export function payoutPaid(tx: Queryable, p: Money, options?: BookOptions) {
  return book(
    tx,
    'payout_paid',
    p,
    options,
    ['payouts_in_transit', 'debit', p.amount],
    ['platform_cash', 'credit', p.amount],
  );
}

/** Payout failed: the bank returned it; the money goes back to the merchant's available balance. */
export function payoutFailed(tx: Queryable, p: Money, options?: BookOptions) {
  return book(
    tx,
    'payout_failed',
    p,
    options,
    ['payouts_in_transit', 'debit', p.amount],
    ['merchant_available', 'credit', p.amount],
  );
}

/** Dispute opened: the acquirer pulls the amount back; the merchant also pays the dispute fee. */
export function disputeOpened(tx: Queryable, p: Money & { fee: bigint }, options?: BookOptions) {
  return book(
    tx,
    'dispute_opened',
    p,
    options,
    ['merchant_pending', 'debit', p.amount + p.fee],
    ['acquirer_receivable', 'credit', p.amount],
    ['platform_fees', 'credit', p.fee],
  );
}

/** Dispute won: the amount comes back; the fee is not refunded. */
export function disputeWon(tx: Queryable, p: Money, options?: BookOptions) {
  return book(
    tx,
    'dispute_won',
    p,
    options,
    ['acquirer_receivable', 'debit', p.amount],
    ['merchant_pending', 'credit', p.amount],
  );
}
