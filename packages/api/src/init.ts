import type { IncomingHttpHeaders } from 'node:http';
import { API_VERSIONS, CURRENT_API_VERSION, isApiVersion } from '@kassa/contracts';
import type { DatabaseClients } from '@kassa/db';
import { KassaApiError, type Logger, type PaymentsServices } from '@kassa/payments';
import type { SettlementCalendar } from '@kassa/settlement';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Permission } from './auth/permissions.ts';
import type { Mailer } from './mail.ts';

/** The payments domain's services, and what the dashboard's chain needs besides. */
export interface ApiServices extends PaymentsServices {
  /** Sends the dashboard's emails (invitations, password resets): SMTP, or the log in development. */
  mailer: Mailer;
  /** Where the dashboard runs (DASHBOARD_URL): the links in its emails point there. */
  dashboardUrl: string;
  /** Where settlement days end (SETTLEMENT_CUTOFF): dates a manual payout's settlement day. */
  settlementCalendar: SettlementCalendar;
}

/** What every procedure sees; the middleware chains add who is calling (the principal). */
export interface Context {
  requestId: string;
  log: Logger;
  headers: IncomingHttpHeaders;
  setHeader: (name: string, value: string) => void;
  services: ApiServices;
  db: DatabaseClients;
  /** The parts of the request the domain reads, adapted (see DomainContext). */
  idempotencyKey?: string | readonly string[];
  traceparent?: string;
  onReplay: () => void;
  /** The client's address as the host determined it (its proxy settings decide). */
  clientIp?: string;
}

/** One HTTP request as any server hosting the router describes it (Fastify in apps/api). */
export interface RequestInfo {
  requestId: string;
  log: Logger;
  headers: IncomingHttpHeaders;
  setHeader: (name: string, value: string) => void;
  /** The client's address as the host determined it (its proxy settings decide). */
  ip?: string;
}

/**
 * The tRPC context of a request: what the procedures read (headers for keys and cookies) and
 * what the domain's context needs, adapted from HTTP here so that the domain knows none of it.
 */
export function contextFactory(services: ApiServices) {
  return (request: RequestInfo): Context => {
    const traceparent = request.headers.traceparent;
    return {
      ...request,
      services,
      db: services.db,
      idempotencyKey: request.headers['idempotency-key'],
      ...(typeof traceparent === 'string' && { traceparent }),
      onReplay: () => request.setHeader('Idempotent-Replayed', 'true'),
      ...(request.ip && { clientIp: request.ip }),
    };
  };
}

/**
 * The first issue of a failed input validation, as a dotted parameter name. An unknown
 * parameter is named itself (zod puts it in `keys`, beside the object's path).
 */
export function validationIssue(cause: unknown): { param?: string; message: string } | undefined {
  const issues = (
    cause as
      | {
          issues?: Array<{ code?: string; path?: PropertyKey[]; keys?: string[]; message: string }>;
        }
      | undefined
  )?.issues;
  const [issue] = issues ?? [];
  if (!issue) return undefined;
  const path = [...(issue.path ?? [])];
  if (issue.code === 'unrecognized_keys' && issue.keys?.[0] !== undefined) path.push(issue.keys[0]);
  const param = path.map(String).join('.') || undefined;
  return { param, message: param ? `Invalid ${param}: ${issue.message}` : issue.message };
}

/** What a procedure declares about itself: the dashboard permission it needs, if any. */
export interface ProcedureMeta {
  permission?: Permission;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
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
/**
 * `Kassa-Version`: the API version the caller's integration was written for. Absent, the
 * current one; one this API does not have, a 400 naming the header (a typo must not silently
 * pin the current version). The answer carries the version it was made with.
 */
const apiVersion = t.middleware(({ ctx, next }) => {
  const header = ctx.headers['kassa-version'];
  if (Array.isArray(header) || (header !== undefined && !isApiVersion(header))) {
    const shown = typeof header === 'string' && /^[\w.-]{1,40}$/.test(header) ? ` ${header}` : '';
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'api_version_invalid',
      message: `Kassa-Version${shown} is not a version of this API. Versions: ${API_VERSIONS.join(', ')}.`,
      param: 'Kassa-Version',
    });
  }
  const version = header ?? CURRENT_API_VERSION;
  ctx.setHeader('Kassa-Version', version);
  return next({ ctx: { ...ctx, apiVersion: version } });
});

/** No authentication: health and metadata only. Every chain starts here. */
export const publicProcedure = t.procedure.use(mapErrors).use(apiVersion);

const TRPC_CODES: Record<number, TRPCError['code']> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** The TRPCError that carries a KassaApiError to the formatter with the right HTTP status. */
export function toTrpcError(error: KassaApiError): TRPCError {
  return new TRPCError({
    code: TRPC_CODES[error.status] ?? 'INTERNAL_SERVER_ERROR',
    message: error.message,
    cause: error,
  });
}
