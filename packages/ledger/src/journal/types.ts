import type { Currency } from '@kassa/contracts';

export type Side = 'debit' | 'credit';

/**
 * posted: moves the posted balance. pending: reserves an amount (a hold). release: gives a
 * reservation back when its hold is posted, voided or expires.
 */
export type PostingKind = 'posted' | 'pending' | 'release';

/** One leg of a journal entry. `amount` is a positive integer of the currency's minor units. */
export interface Leg {
  accountId: string;
  side: Side;
  amount: bigint;
  currency: Currency | string;
  kind?: PostingKind;
}

export type NormalBalance = 'debit' | 'credit';

export interface AccountFlags {
  /** Posted + pending debits may never exceed posted credits (the account cannot go below zero). */
  debitsMustNotExceedCredits?: boolean;
  /** Posted + pending credits may never exceed posted debits. */
  creditsMustNotExceedDebits?: boolean;
}

export interface Account extends Required<AccountFlags> {
  id: string;
  owner: string;
  code: string;
  currency: string;
  normalBalance: NormalBalance;
}

/** Totals of an account, TigerBeetle-style; derived figures in `balanceOf`. */
export interface Balance {
  debitsPending: bigint;
  creditsPending: bigint;
  debitsPosted: bigint;
  creditsPosted: bigint;
}
