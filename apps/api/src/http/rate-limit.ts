import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { sessionToken } from '@kassa/api';
import type { FastifyInstance } from 'fastify';

/** Thrown by the limiter; answered as Kassa's rate_limit_error in the tRPC error envelope. */
class RateLimited extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(
      'Too many requests hit the API too quickly. Retry after the number of seconds in Retry-After.',
    );
  }
}

const UNLIMITED = new Set(['/healthz', '/readyz']);

/**
 * Per-key rate limiting (@fastify/rate-limit): each API key — the Authorization header, hashed,
 * so no key is kept in memory — or dashboard session (its cookie, hashed), or, without either, each client address gets `perSecond` requests
 * per second. Beyond that: 429 `rate_limit_error` with Retry-After. Counters live in each API
 * process: behind a load balancer with N replicas a key gets up to N times the limit (a shared
 * store such as Redis would make it exact; Kassa does not require one).
 */
/** tRPC calls of the dashboard's public sign-in procedures (alone or in a batch). */
const AUTH_CALL = /^\/trpc\/(?:[^?]*,)?auth\./;

export async function registerRateLimit(
  app: FastifyInstance,
  perSecond: number,
  /** auth.* calls (sign-in, sign-up, invitations, password reset) per minute per client address. */
  authPerMinute = 30,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: perSecond,
    timeWindow: 1_000,
    hook: 'onRequest',
    // The 3-D Secure return has a limit of its own, per client address (three-d-secure.ts).
    allowList: (request) => UNLIMITED.has(request.url),
    keyGenerator: (request) => {
      const authorization = request.headers.authorization ?? sessionToken(request.headers.cookie);
      if (!authorization) return `ip:${request.ip}`;
      const key = createHash('sha256').update(authorization).digest('base64url');
      // A publishable key is public (it is in every checkout page): one bucket per key would let
      // one client use up a merchant's checkout for everyone. Count it per client address.
      return /^Bearer pk_/.test(authorization) ? `pk:${key}:${request.ip}` : `key:${key}`;
    },
    errorResponseBuilder: (_request, context) =>
      new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  // Credentials are guessed across accounts too, which the per-account lockout cannot see: each
  // client address gets `authPerMinute` auth.* calls a minute, besides the limit above. Behind the
  // dashboard, the address is the browser's only when API_TRUST_PROXY trusts the dashboard's
  // X-Forwarded-For; otherwise every sign-in through one dashboard server shares its bucket.
  const authLimit = app.createRateLimit({
    max: authPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `auth:${request.ip}`,
  });
  app.addHook('onRequest', async (request) => {
    if (!AUTH_CALL.test(request.url)) return;
    const limited = await authLimit(request);
    if (!limited.isAllowed && limited.isExceeded) {
      throw new RateLimited(Math.max(1, Math.ceil(limited.ttl / 1000)));
    }
  });
  app.setErrorHandler((error, request, reply) => {
    if (!(error instanceof RateLimited)) throw error;
    const message = error.message;
    return reply
      .code(429)
      .header('retry-after', String(error.retryAfterSeconds))
      .send({
        error: {
          message,
          code: -32029,
          data: {
            type: 'rate_limit_error',
            code: 'rate_limit',
            message,
            request_id: request.id,
            httpStatus: 429,
          },
        },
      });
  });
}
