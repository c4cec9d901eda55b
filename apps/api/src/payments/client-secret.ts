import { createHmac, timingSafeEqual } from 'node:crypto';

const SECRET_PATTERN = /^(pi_[0-9A-Za-z]{24})_secret_([A-Za-z0-9_-]{32})$/;

/**
 * A payment intent's client secret: `<id>_secret_<HMAC of the id>`. It lets the shopper's
 * browser (with the publishable key) act on that one payment, and nothing else. Derived rather
 * than stored, so there is no table of secrets to leak, and retrieving a payment can show it.
 */
export function clientSecretFor(key: Buffer, paymentIntentId: string): string {
  const mac = createHmac('sha256', key).update(paymentIntentId).digest('base64url').slice(0, 32);
  return `${paymentIntentId}_secret_${mac}`;
}

/** The payment intent a client secret belongs to, if it is genuine (compared in constant time). */
export function paymentIntentOfClientSecret(key: Buffer, secret: string): string | undefined {
  const id = SECRET_PATTERN.exec(secret)?.[1];
  if (!id) return undefined;
  const expected = Buffer.from(clientSecretFor(key, id));
  const given = Buffer.from(secret);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
}
