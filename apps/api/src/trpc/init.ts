import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '@kassa/contracts';
import type { DatabaseClients } from '@kassa/db';
import type { AccountCache } from '@kassa/ledger';
import type { Vault } from '@kassa/vault';
import type { WebhookSigner } from '@kassa/webhooks';
import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { AcquirerClient } from '../acquirer/client.ts';
import { KassaApiError, toTrpcError } from '../errors.ts';

/** What the API needs besides the database: secrets, limits. */
export interface ApiServices {
  db: DatabaseClients;
  /** The one clock: every time the domain reads (created, expires, capture before) comes from it. */
  clock: Clock;
  /** Key of the HMAC that derives client secrets (see payments/client-secret.ts). */
  clientSecretKey: Buffer;
  /**
   * Key of the HMAC over each idempotent request's input. Keyed because an input can hold a
   * card number: an unkeyed hash of a card number is reversed by trying the few million numbers
   * that share its BIN and last 4.
   */
  requestHashKey: Buffer;
  /** The card vault: the only way to store or read a card number. */
  vault: Vault;
  /** The acquirer, behind timeout, retries, circuit breaker and bulkhead. */
  acquirer: AcquirerClient;
  /**
   * How long a request holds an acquirer attempt (and its Idempotency-Key): longer than the
   * call can take with every retry, so a hold still running means the call is in flight.
   */
  attemptLeaseMs: number;
  /**
   * How long a request waits for another holding its Idempotency-Key (or the key's row lock)
   * before answering 409 `idempotency_key_in_use`.
   */
  idempotencyWaitMs: number;
  /** Where browsers reach the API (3-D Secure returns). */
  publicUrl: string;
  /** Where the hosted checkout runs: `<checkoutUrl>/pay/<session id>`. */
  checkoutUrl: string;
  /** KASSA_SECRET_KEY, from which publishable keys are derived (the checkout page shows them). */
  secretKey: string;
  /** NEXTAUTH_SECRET: decrypts the dashboard's next-auth session cookies. */
  sessionSecret: string;
  /** Ledger account ids, remembered (accounts never change once opened). */
  accounts: AccountCache;
  /** Derives webhook endpoints' signing secrets (shown on create and on a roll). */
  webhookSigner: WebhookSigner;
}

/** What every procedure sees; the middleware chains add who is calling. */
export interface Context {
  requestId: string;
  log: CreateFastifyContextOptions['req']['log'];
  headers: IncomingHttpHeaders;
  setHeader: (name: string, value: string) => void;
  services: ApiServices;
  db: DatabaseClients;
}

export function contextFactory(services: ApiServices) {
  return ({ req, res }: CreateFastifyContextOptions): Context => ({
    requestId: req.id,
    log: req.log,
    headers: req.headers,
    setHeader: (name, value) => void res.header(name, value),
    services,
    db: services.db,
  });
}

/** The first issue of a failed input validation, as a dotted parameter name. */
function validationIssue(cause: unknown): { param?: string; message: string } | undefined {
  const issues = (
    cause as { issues?: Array<{ path?: PropertyKey[]; message: string }> } | undefined
  )?.issues;
  const [issue] = issues ?? [];
  if (!issue) return undefined;
  const param = (issue.path ?? []).map(String).join('.') || undefined;
  return { param, message: param ? `Invalid ${param}: ${issue.message}` : issue.message };
}

const t = initTRPC.context<Context>().create({
  /**
   * Every error leaves as Kassa's error object, in `error.data` (tRPC keeps `error.code` numeric
   * for its own clients): `{ type, code, decline_code?, message, param?, request_id, httpStatus }`.
   * Unexpected errors never show their internals.
   */
  errorFormatter({ shape, error, ctx }) {
    const kassa = error.cause instanceof KassaApiError ? error.cause : undefined;
    const requestId = kassa?.requestId ?? ctx?.requestId ?? 'unknown';
    let body: {
      type: string;
      code: string;
      message: string;
      param?: string;
      decline_code?: string;
    };
    if (kassa) {
      body = {
        type: kassa.type,
        code: kassa.code,
        message: kassa.message,
        param: kassa.param,
        decline_code: kassa.declineCode,
      };
    } else if (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') {
      const issue = error.code === 'BAD_REQUEST' ? validationIssue(error.cause) : undefined;
      body = {
        type: 'invalid_request_error',
        code: issue ? 'parameter_invalid' : 'invalid_request',
        message: issue?.message ?? error.message,
        param: issue?.param,
      };
    } else if (error.code === 'NOT_FOUND' || error.code === 'METHOD_NOT_SUPPORTED') {
      body = {
        type: 'invalid_request_error',
        code: 'unrecognized_request',
        message: error.message,
      };
    } else {
      body = {
        type: 'api_error',
        code: 'internal_error',
        message: 'Something went wrong on our side. Retrying is safe.',
      };
    }
    return {
      message: body.message,
      code: shape.code,
      data: {
        ...body,
        request_id: requestId,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
      },
    };
  },
});

/** Turns a KassaApiError thrown anywhere below into the TRPCError with its HTTP status. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (
    !result.ok &&
    result.error.cause instanceof KassaApiError &&
    !(result.error.cause instanceof TRPCError)
  ) {
    throw toTrpcError(result.error.cause);
  }
  return result;
});

export const router = t.router;
export const middleware = t.middleware;
/** No authentication: health and metadata only. */
export const publicProcedure = t.procedure.use(mapErrors);
