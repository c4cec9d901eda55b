import { authenticateApiKey, presentedKey } from '../auth/api-keys.ts';
import { KassaApiError, notFound } from '../errors.ts';
import { paymentIntentOfClientSecret } from '../payments/client-secret.ts';
import { type Context, middleware, publicProcedure } from './init.ts';

/** The merchant and mode a request acts for. Every query is scoped by both. */
export interface Principal {
  merchantId: string;
  livemode: boolean;
  keyId: string;
  kind: 'secret' | 'publishable';
  /** Who the events say acted, when not a key (`system:recovery`, `acquirer:3ds_return`). */
  actor?: string;
}

/** A shopper's browser: a publishable key and the client secret of one payment. */
export interface CheckoutPrincipal extends Principal {
  kind: 'publishable';
  /** The one payment this request may read, tokenize a card for, and confirm. */
  paymentIntentId: string;
}

const authenticationError = (code: string, message: string, param?: string) =>
  new KassaApiError({ type: 'authentication_error', code, message, param });

async function authenticate(ctx: Context, kind: Principal['kind']): Promise<Principal> {
  const presented = presentedKey(ctx.headers.authorization);
  if (!presented) {
    throw authenticationError(
      'api_key_missing',
      `You did not provide an API key. Send it as "Authorization: Bearer ${kind === 'secret' ? 'sk' : 'pk'}_test_...".`,
    );
  }
  const key = await authenticateApiKey(ctx.db.pool, presented);
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
 * acting on that one payment and nothing else. The secret is checked (HMAC, constant time)
 * before anything is read; a genuine secret of another merchant's (or mode's) payment is a 404.
 */
const requireClientSecret = middleware(async ({ ctx, next, getRawInput }) => {
  const principal = await authenticate(ctx, 'publishable');
  const raw = (await getRawInput()) as { client_secret?: unknown } | undefined;
  const secret = typeof raw?.client_secret === 'string' ? raw.client_secret : undefined;
  const paymentIntentId =
    secret && paymentIntentOfClientSecret(ctx.services.clientSecretKey, secret);
  if (!paymentIntentId) {
    throw authenticationError(
      'client_secret_invalid',
      'The client_secret is missing or is not the client secret of a payment.',
      'client_secret',
    );
  }
  const { rows } = await ctx.db.pool.query(
    'SELECT 1 FROM payment_intents WHERE id = $1 AND merchant_id = $2 AND livemode = $3',
    [paymentIntentId, principal.merchantId, principal.livemode],
  );
  if (rows.length === 0) throw notFound('payment_intent', paymentIntentId, 'client_secret');
  const checkout: CheckoutPrincipal = { ...principal, kind: 'publishable', paymentIntentId };
  return next({ ctx: { ...ctx, principal: checkout } });
});

/** Procedures a merchant's server calls with its secret key. */
export const merchantProcedure = publicProcedure.use(requireSecretKey);

/** Procedures the hosted checkout calls from the shopper's browser. */
export const checkoutProcedure = publicProcedure.use(requireClientSecret);
