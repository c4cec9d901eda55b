/** What every Kassa error carries, as the API sent it (see docs/api.md#errors). */
export interface KassaErrorFields {
  type: string;
  code?: string;
  declineCode?: string;
  param?: string;
  requestId?: string;
  statusCode?: number;
  /** Retry-After (seconds) of a 429, when the API sent one. */
  retryAfter?: number;
}

/** The base class: `instanceof KassaError` catches everything this SDK throws. */
export class KassaError extends Error {
  readonly type: string;
  readonly code?: string;
  readonly declineCode?: string;
  readonly param?: string;
  readonly requestId?: string;
  readonly statusCode?: number;
  readonly retryAfter?: number;

  constructor(message: string, fields: KassaErrorFields) {
    super(message);
    this.name = new.target.name;
    this.type = fields.type;
    this.code = fields.code;
    this.declineCode = fields.declineCode;
    this.param = fields.param;
    this.requestId = fields.requestId;
    this.statusCode = fields.statusCode;
    this.retryAfter = fields.retryAfter;
  }
}

/** The card was declined, failed 3-D Secure, or is invalid (402). See `code` and `declineCode`. */
export class KassaCardError extends KassaError {}
/** A parameter was missing or wrong, an object does not exist, or a state forbids the call. */
export class KassaInvalidRequestError extends KassaError {}
/** An Idempotency-Key reused with other parameters, or still in use by a running request. */
export class KassaIdempotencyError extends KassaError {}
/** No key, or an invalid or revoked one (401). */
export class KassaAuthenticationError extends KassaError {}
/** The key may not do this (403). */
export class KassaPermissionError extends KassaError {}
/** Too many requests (429); retried by the SDK, honouring Retry-After, before this is thrown. */
export class KassaRateLimitError extends KassaError {}
/** Kassa or the card network failed (5xx, or a 409 conflict); retried before this is thrown. */
export class KassaAPIError extends KassaError {}
/** The API could not be reached, or did not answer in time; retried before this is thrown. */
export class KassaConnectionError extends KassaError {}

const classes: Record<string, typeof KassaError> = {
  card_error: KassaCardError,
  invalid_request_error: KassaInvalidRequestError,
  idempotency_error: KassaIdempotencyError,
  authentication_error: KassaAuthenticationError,
  permission_error: KassaPermissionError,
  rate_limit_error: KassaRateLimitError,
  api_error: KassaAPIError,
};

/** The error class for an API error object. */
export function errorFromBody(
  body: {
    type?: string;
    code?: string;
    decline_code?: string;
    message?: string;
    param?: string;
    request_id?: string;
  },
  statusCode: number,
  retryAfter?: number,
): KassaError {
  const type = body.type ?? 'api_error';
  const ErrorClass = classes[type] ?? KassaAPIError;
  return new ErrorClass(body.message ?? `Kassa answered ${statusCode}`, {
    type,
    code: body.code,
    declineCode: body.decline_code,
    param: body.param ?? undefined,
    requestId: body.request_id,
    statusCode,
    retryAfter,
  });
}
