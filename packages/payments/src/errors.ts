import type { ErrorType } from '@kassa/contracts';
import { errorStatus } from '@kassa/contracts';

/**
 * An error a merchant can act on: a type, a code to switch on, the offending parameter, and for
 * card errors the issuer's decline code. Thrown by procedures; the error formatter turns it into
 * `{ type, code, decline_code?, message, param?, request_id }` with the matching HTTP status.
 *
 * `committed`: the request had effects that must stand despite the error (a declined card
 * returns the payment to requires_payment_method): its transaction commits, and an idempotent
 * replay returns the same error.
 */
export class KassaApiError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly param?: string;
  readonly declineCode?: string;
  readonly status: number;
  readonly committed: boolean;
  /** Set on a replayed error: the request id of the response being replayed. */
  readonly requestId?: string;

  constructor(init: {
    type: ErrorType;
    code: string;
    message: string;
    param?: string;
    declineCode?: string;
    status?: number;
    committed?: boolean;
    requestId?: string;
  }) {
    super(init.message);
    this.name = 'KassaApiError';
    this.type = init.type;
    this.code = init.code;
    this.param = init.param;
    this.declineCode = init.declineCode;
    this.status = init.status ?? errorStatus[init.type];
    this.committed = init.committed ?? false;
    this.requestId = init.requestId;
  }
}

export const invalidRequest = (code: string, message: string, param?: string) =>
  new KassaApiError({ type: 'invalid_request_error', code, message, param });

/** Another merchant's object looks exactly like one that does not exist. */
export const notFound = (what: string, id: string, param = 'id') =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${what}: '${id}'`,
    param,
    status: 404,
  });

export const unexpectedState = (what: string, status: string, action: string) =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: `${what}_unexpected_state`,
    message: `You cannot ${action} this ${what.replaceAll('_', ' ')} because it has a status of ${status}.`,
  });
