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
