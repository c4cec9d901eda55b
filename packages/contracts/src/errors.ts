import { z } from 'zod';

/** What kind of failure an error is, as Stripe's API names them. */
export const errorTypes = [
  'api_error',
  'card_error',
  'idempotency_error',
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'rate_limit_error',
] as const;
export type ErrorType = (typeof errorTypes)[number];

/**
 * Every error Kassa's API returns has this shape. `code` says what went wrong in words a program
 * can switch on; `param` names the offending input; `decline_code` is the issuer's reason for a
 * card error; `request_id` matches the Request-Id header and the logs.
 */
export const apiErrorSchema = z.object({
  type: z.enum(errorTypes),
  code: z.string(),
  decline_code: z.string().optional(),
  message: z.string(),
  param: z.string().optional(),
  request_id: z.string(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** The HTTP status each error type answers with (a few codes refine it, e.g. 404, 409). */
export const errorStatus: Record<ErrorType, number> = {
  api_error: 500,
  card_error: 402,
  idempotency_error: 409,
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  rate_limit_error: 429,
};
