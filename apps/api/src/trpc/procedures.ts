import { authenticateApiKey, presentedKey } from '../auth/api-keys.ts';
import { KassaApiError } from '../errors.ts';
import { middleware, publicProcedure } from './init.ts';

/** The merchant and mode a request acts for. Every query is scoped by both. */
export interface Principal {
  merchantId: string;
  livemode: boolean;
  keyId: string;
}

const authenticationError = (code: string, message: string) =>
  new KassaApiError({ type: 'authentication_error', code, message });

/** Secret key (`sk_test_…`, `sk_live_…`) as a Bearer token: the merchant's server. */
const requireSecretKey = middleware(async ({ ctx, next }) => {
  const presented = presentedKey(ctx.headers.authorization);
  if (!presented) {
    throw authenticationError(
      'api_key_missing',
      'You did not provide an API key. Send it as "Authorization: Bearer sk_test_...".',
    );
  }
  const key = await authenticateApiKey(ctx.db.pool, presented);
  if (!key) throw authenticationError('api_key_invalid', 'Invalid API key provided.');
  if (key.kind !== 'secret') {
    throw new KassaApiError({
      type: 'permission_error',
      code: 'secret_key_required',
      message:
        'This request needs a secret key (sk_...); publishable keys can only be used by checkout.',
    });
  }
  const principal: Principal = {
    merchantId: key.merchantId,
    livemode: key.livemode,
    keyId: key.keyId,
  };
  return next({ ctx: { ...ctx, principal } });
});

/** Procedures a merchant's server calls with its secret key. */
export const merchantProcedure = publicProcedure.use(requireSecretKey);
