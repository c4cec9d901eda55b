import {
  type CheckoutPrincipal,
  KassaApiError,
  notFound,
  objectOfClientSecret,
  type Principal,
} from '@kassa/payments';
import { z } from 'zod';
import { audited } from './audit.ts';
import { authenticateApiKey, presentedKey } from './auth/api-keys.ts';
import {
  loadSessionUser,
  type MembershipRole,
  type SessionUser,
  sessionClaims,
  sessionToken,
} from './auth/dashboard-session.ts';
import { may, type Permission, rolesWith } from './auth/permissions.ts';
import { sessionIsLive } from './auth/sign-in.ts';
import { type Context, middleware, publicProcedure } from './init.ts';

export type { CheckoutPrincipal, Principal } from '@kassa/payments';

const authenticationError = (code: string, message: string, param?: string) =>
  new KassaApiError({ type: 'authentication_error', code, message, param });

async function authenticate(ctx: Context, kind: Principal['kind']): Promise<Principal> {
  const presented = presentedKey(ctx.headers.authorization);
  if (!presented) {
    throw authenticationError(
      'api_key_missing',
      kind === 'secret'
        ? 'You did not provide an API key. Send it as "Authorization: Bearer sk_test_...".'
        : 'You did not provide an API key. Send it as "Authorization: Bearer pk_test_..." (a checkout session\'s client_secret needs none).',
    );
  }
  const key = await authenticateApiKey(ctx.db.pool, presented, ctx.services.clock.now());
  if (!key) throw authenticationError('api_key_invalid', 'Invalid API key provided.');
  if (key.kind !== kind) {
    throw new KassaApiError({
      type: 'permission_error',
      code: kind === 'secret' ? 'secret_key_required' : 'publishable_key_required',
      message:
        kind === 'secret'
          ? 'This request needs a secret key (sk_...); publishable keys can only be used by checkout.'
          : 'Checkout requests use the publishable key (pk_...); keep secret keys on your server.',
    });
  }
  return { merchantId: key.merchantId, livemode: key.livemode, keyId: key.keyId, kind: key.kind };
}

/** Secret key (`sk_test_…`, `sk_live_…`) as a Bearer token: the merchant's server. */
const requireSecretKey = middleware(async ({ ctx, next }) => {
  const principal = await authenticate(ctx, 'secret');
  return next({ ctx: { ...ctx, principal } });
});

/**
 * Publishable key as a Bearer token plus `client_secret` in the input: the shopper's browser,
 * acting on that one payment and nothing else. The secret is checked (HMAC, constant time; under
 * the previous root too while it is rotated) before anything is read; a genuine secret of another
 * merchant's (or mode's) payment is a 404.
 *
 * The hosted checkout sends no key, only its session's client secret: publishable keys are
 * random and stored hashed, so the platform cannot hand one to the page. The secret is as strong
 * a credential (an unforgeable HMAC naming one session, which fixes the merchant and mode), and a
 * publishable key, public by design, would add nothing to it. Without a key, only a checkout
 * session's secret is accepted; a payment intent's needs the merchant's publishable key.
 */
const requireClientSecret = middleware(async ({ ctx, next, getRawInput }) => {
  const raw = (await getRawInput()) as { client_secret?: unknown } | undefined;
  const secret = typeof raw?.client_secret === 'string' ? raw.client_secret : undefined;
  const { clientSecretKey, previousClientSecretKey } = ctx.services;
  const objectId = secret && objectOfClientSecret(clientSecretKey, secret, previousClientSecretKey);
  const keyless = !presentedKey(ctx.headers.authorization) && objectId?.startsWith('cs_');
  const principal = keyless ? undefined : await authenticate(ctx, 'publishable');
  if (!objectId) {
    throw authenticationError(
      'client_secret_invalid',
      'The client_secret is missing or is not the client secret of a payment or checkout session.',
      'client_secret',
    );
  }
  let checkout: CheckoutPrincipal;
  if (objectId.startsWith('cs_')) {
    const { rows } = await ctx.db.pool.query<{
      merchant_id: string;
      livemode: boolean;
      payment_intent_id: string;
      status: string;
      expired: boolean;
    }>(
      `SELECT merchant_id, livemode, payment_intent_id, status, expires_at <= $2 AS expired
         FROM checkout_sessions WHERE id = $1`,
      [objectId, ctx.services.clock.now()],
    );
    const session = rows[0];
    const theirs =
      principal &&
      (session?.merchant_id !== principal.merchantId || session.livemode !== principal.livemode);
    if (!session || theirs) throw notFound('checkout_session', objectId, 'client_secret');
    if (session.status === 'expired' || (session.status === 'open' && session.expired)) {
      throw new KassaApiError({
        type: 'invalid_request_error',
        code: 'checkout_session_expired',
        message: 'This checkout session has expired: it can no longer be paid.',
        param: 'client_secret',
      });
    }
    checkout = {
      ...(principal ?? {
        merchantId: session.merchant_id,
        livemode: session.livemode,
        keyId: objectId,
      }),
      kind: 'publishable',
      paymentIntentId: session.payment_intent_id,
      checkoutSessionId: objectId,
    };
  } else {
    // Only a session's secret goes without a key: authenticate() has run.
    if (!principal) throw new Error('a payment intent client secret came without a key');
    const { rows } = await ctx.db.pool.query(
      'SELECT 1 FROM payment_intents WHERE id = $1 AND merchant_id = $2 AND livemode = $3',
      [objectId, principal.merchantId, principal.livemode],
    );
    if (rows.length === 0) throw notFound('payment_intent', objectId, 'client_secret');
    checkout = { ...principal, kind: 'publishable', paymentIntentId: objectId };
  }
  return next({ ctx: { ...ctx, principal: checkout } });
});

/** The input of a procedure that takes none: nothing, or `{}`. */
export const noInput = z.object({}).strict().optional();

/** Procedures a merchant's server calls with its secret key. */
export const merchantProcedure = publicProcedure.use(requireSecretKey).use(audited);

/** Procedures the hosted checkout calls from the shopper's browser. */
export const checkoutProcedure = publicProcedure.use(requireClientSecret);

/**
 * The signed-in dashboard user of a request, and their session: the next-auth cookie, decrypted,
 * naming a live session (sign-in.ts). Throws 401 otherwise.
 */
export async function sessionOf(ctx: Context): Promise<{ user: SessionUser; sessionId: string }> {
  const cookie = ctx.headers.cookie;
  const token = sessionToken(Array.isArray(cookie) ? cookie.join('; ') : cookie);
  if (!token) {
    throw authenticationError(
      'session_missing',
      'Sign in to the dashboard: this request carries no session cookie.',
    );
  }
  const claims = await sessionClaims(token, ctx.services.sessionSecret);
  const live =
    claims &&
    (await sessionIsLive(ctx.db.pool, claims.userId, claims.sessionId, ctx.services.clock.now()));
  const user = live && (await loadSessionUser(ctx.db.pool, claims.userId));
  if (!claims || !user) {
    throw authenticationError(
      'session_invalid',
      'The dashboard session is invalid or has expired. Sign in again.',
    );
  }
  return { user, sessionId: claims.sessionId };
}

/** A signed-in dashboard user, before a merchant is chosen. */
const requireSession = middleware(async ({ ctx, next }) => {
  const { user, sessionId } = await sessionOf(ctx);
  return next({ ctx: { ...ctx, user, sessionId } });
});

/** A dashboard user acting for one merchant, in one mode, with their role there. */
export interface DashboardPrincipal extends Principal {
  kind: 'dashboard';
  userId: string;
  role: MembershipRole;
}

const MERCHANT_HEADER = 'kassa-merchant';
const MODE_HEADER = 'kassa-mode';

const header = (ctx: Context, name: string) => {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The merchant comes from the `Kassa-Merchant` header, required on every such request: the
 * user may belong to several, and a custom header cannot be sent cross-site without a CORS
 * preflight the API never grants, which keeps cookie-authenticated mutations safe from CSRF.
 * `Kassa-Mode` is `test` (default) or `live`. A merchant the user does not belong to is a 403
 * whether it exists or not; a merchant that requires two-factor refuses members without it.
 */
function membershipPrincipal(ctx: Context & { user: SessionUser }): DashboardPrincipal {
  const { user } = ctx;
  const merchantId = header(ctx, MERCHANT_HEADER);
  if (!merchantId) {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'merchant_required',
      message: 'Send the merchant this request acts for in the Kassa-Merchant header.',
      param: 'Kassa-Merchant',
    });
  }
  const mode = header(ctx, MODE_HEADER) ?? 'test';
  if (mode !== 'test' && mode !== 'live') {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      message: 'Kassa-Mode is `test` or `live`.',
      param: 'Kassa-Mode',
    });
  }
  const membership = user.memberships.find((m) => m.merchantId === merchantId);
  if (!membership) {
    throw new KassaApiError({
      type: 'permission_error',
      code: 'not_a_member',
      message: 'You are not a member of this merchant.',
      param: 'Kassa-Merchant',
    });
  }
  if (membership.requireTwoFactor && !user.twoFactor) {
    throw new KassaApiError({
      type: 'permission_error',
      code: 'two_factor_setup_required',
      message: `${membership.merchantName} requires two-factor authentication of its team: turn it on in your account first.`,
      param: 'Kassa-Merchant',
    });
  }
  return {
    merchantId,
    livemode: mode === 'live',
    keyId: user.id,
    kind: 'dashboard',
    userId: user.id,
    role: membership.role,
    actor: `user:${user.id}`,
  };
}

/** Procedures any signed-in dashboard user calls (about themselves). */
export const sessionProcedure = publicProcedure.use(requireSession);

/** The base of the dashboard's per-merchant procedures (use dashboardProcedureWith). */
export const dashboardProcedure = sessionProcedure
  .use(({ ctx, next }) => next({ ctx: { ...ctx, principal: membershipPrincipal(ctx) } }))
  .use(audited);

/**
 * A dashboard procedure that needs `permission` (the roles matrix in auth/permissions.ts); the
 * roles without it get 403 `role_insufficient`. Every dashboard procedure is made this way (a
 * test walks the router): the permission is in the procedure's meta, where the docs read it.
 */
export function dashboardProcedureWith(permission: Permission) {
  return dashboardProcedure.meta({ permission }).use(({ ctx, next }) => {
    requirePermission(ctx.principal, permission);
    return next();
  });
}

function requirePermission(principal: DashboardPrincipal, permission: Permission) {
  if (!may(principal.role, permission)) {
    throw new KassaApiError({
      type: 'permission_error',
      code: 'role_insufficient',
      message: `Your role (${principal.role}) cannot do this; it needs ${rolesWith(permission).join(' or ')}.`,
    });
  }
}

/**
 * The dashboard chain outside tRPC, for the API's plain HTTP routes (the CSV exports): the same
 * session, membership and permission checks as dashboardProcedureWith(permission).
 */
export async function dashboardPrincipalFor(
  ctx: Context,
  permission: Permission,
): Promise<DashboardPrincipal> {
  const { user } = await sessionOf(ctx);
  const principal = membershipPrincipal({ ...ctx, user });
  requirePermission(principal, permission);
  return principal;
}
