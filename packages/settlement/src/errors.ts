/**
 * A settlement invariant that does not hold, or a run that cannot go ahead: the close stops
 * (its transaction rolls back) instead of paying out a wrong amount. Not a merchant's input
 * error: those are KassaApiErrors.
 */
export class SettlementError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SettlementError';
    this.code = code;
  }
}
