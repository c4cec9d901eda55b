import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets are derived, never stored: `whsec_` + HMAC-SHA256 of the endpoint's
 * random salt under a key derived from KASSA_SECRET_KEY. The database holds only the salt, so a
 * copy of it cannot forge deliveries; rolling a secret is choosing a new salt.
 */
export class WebhookSigner {
  private readonly key: Buffer;

  constructor(platformSecret: string) {
    this.key = createHash('sha256').update(`webhook-secret:${platformSecret}`).digest();
  }

  /** A fresh salt for a new endpoint or a rolled secret. */
  static newSalt(): string {
    return randomBytes(24).toString('base64url');
  }

  secretFor(salt: string): string {
    return `whsec_${createHmac('sha256', this.key).update(salt).digest('base64url')}`;
  }

  /**
   * The secrets that sign a delivery to an endpoint right now: its current one, and during a roll
   * the previous one too (receivers accept any of the `v1` values).
   */
  secretsOf(
    endpoint: {
      secretSalt: string;
      previousSecretSalt: string | null;
      previousExpiresAt: Date | null;
    },
    now = new Date(),
  ): string[] {
    const secrets = [this.secretFor(endpoint.secretSalt)];
    if (
      endpoint.previousSecretSalt &&
      endpoint.previousExpiresAt &&
      endpoint.previousExpiresAt > now
    )
      secrets.push(this.secretFor(endpoint.previousSecretSalt));
    return secrets;
  }
}

/**
 * The `Kassa-Signature` header of a payload: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<payload>">`, one `v1` per secret. The SDK's `webhooks.constructEvent` verifies it.
 */
export function signatureHeader(
  payload: string,
  secrets: readonly string[],
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const signatures = secrets.map(
    (secret) =>
      `v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`,
  );
  return [`t=${timestamp}`, ...signatures].join(',');
}

export { type AddressClass, addressClass, literalAddress } from './addresses.ts';
