import { createHmac, timingSafeEqual } from 'node:crypto';

const SECRET_PATTERN = /^((?:pi|cs)_[0-9A-Za-z]{24})_secret_([A-Za-z0-9_-]{32})$/;

/**
 * A client secret: `<id>_secret_<HMAC of the id>`, for a payment intent (`pi_…`) or a checkout
 * session (`cs_…`). It lets the shopper's browser (with the publishable key) act on that one
 * payment or session, and nothing else. Derived rather than stored, so there is no table of
 * secrets to leak, and retrieving the object can show it.
 */
export function clientSecretFor(key: Buffer, id: string): string {
  const mac = createHmac('sha256', key).update(id).digest('base64url').slice(0, 32);
  return `${id}_secret_${mac}`;
}

/**
 * The object (`pi_…` or `cs_…`) a client secret belongs to, if genuine. `previousKey`: the key
 * under the previous root (KASSA_SECRET_KEY_PREVIOUS) while the root is rotated, so secrets
 * issued before the rotation keep working until it is dropped. Both keys are always checked
 * (constant time, no early exit), so timing tells neither whether nor under which key it matched.
 */
export function objectOfClientSecret(
  key: Buffer,
  secret: string,
  previousKey?: Buffer,
): string | undefined {
  const id = SECRET_PATTERN.exec(secret)?.[1];
  if (!id) return undefined;
  const given = Buffer.from(secret);
  const matches = (under: Buffer) => {
    const expected = Buffer.from(clientSecretFor(under, id));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  const current = matches(key);
  const previous = previousKey ? matches(previousKey) : false;
  return current || previous ? id : undefined;
}

/** The payment intent a client secret belongs to, if it is a genuine payment intent secret. */
export function paymentIntentOfClientSecret(
  key: Buffer,
  secret: string,
  previousKey?: Buffer,
): string | undefined {
  const id = objectOfClientSecret(key, secret, previousKey);
  return id?.startsWith('pi_') ? id : undefined;
}
