/**
 * Errors of the ledger, each with a stable `code` a caller can act on. Nothing is written when
 * one is thrown: every check runs before, or inside the transaction that the error rolls back.
 */
export class LedgerError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The stream is not at the version the writer expected: someone else appended first. */
export class StreamVersionConflictError extends LedgerError {
  constructor(
    readonly stream: string,
    readonly expected: string,
  ) {
    super(
      'stream_version_conflict',
      `Stream ${stream} is not at the expected version (${expected}).`,
    );
  }
}

/** An idempotency key was used before, for a different request. */
export class IdempotencyConflictError extends LedgerError {
  constructor(readonly key: string) {
    super(
      'idempotency_conflict',
      `Idempotency key ${key} was already used for a different request.`,
    );
  }
}

export class InvalidEventError extends LedgerError {
  constructor(message: string) {
    super('invalid_event', message);
  }
}

/** An entry that cannot be booked as given: fewer than two legs, a bad amount, unbalanced. */
export class InvalidEntryError extends LedgerError {
  constructor(
    code: 'invalid_entry' | 'unbalanced_entry' | 'invalid_amount' | 'unknown_currency',
    message: string,
  ) {
    super(code, message);
  }
}

export class UnknownAccountError extends LedgerError {
  constructor(readonly accountId: string) {
    super('unknown_account', `Ledger account ${accountId} does not exist.`);
  }
}

export class CurrencyMismatchError extends LedgerError {
  constructor(accountId: string, accountCurrency: string, legCurrency: string) {
    super(
      'currency_mismatch',
      `Ledger account ${accountId} holds ${accountCurrency}; a leg in ${legCurrency} cannot post to it.`,
    );
  }
}

/** The entry would break a balance rule of an account, e.g. take it below zero. */
export class AccountLimitError extends LedgerError {
  constructor(
    readonly accountId: string,
    readonly flag: 'debits_must_not_exceed_credits' | 'credits_must_not_exceed_debits',
  ) {
    super(
      'account_limit_exceeded',
      `The entry would break ${flag} on ledger account ${accountId}.`,
    );
  }
}

export class HoldStateError extends LedgerError {
  constructor(
    readonly holdId: string,
    readonly reason: 'unknown' | 'not_pending' | 'expired' | 'exceeds_hold',
    message: string,
  ) {
    super(reason === 'unknown' ? 'unknown_hold' : 'hold_not_pending', message);
  }
}
