import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets are derived, never stored: `whsec_` + HMAC-SHA256 of the endpoint's
 * random salt under the platform's webhook key, deriveKey(KASSA_SECRET_KEY, 'webhook_secret')
 * (@kassa/contracts/keys). The database holds only the salt, so a copy of it cannot forge
 * deliveries; rolling a secret is choosing a new salt.
 */
export class WebhookSigner {
  private readonly key: Buffer;
  private readonly previousKey: Buffer | undefined;

  /**
   * `previousKey`: the same key under the previous root (KASSA_SECRET_KEY_PREVIOUS) while the
   * root is being rotated. Deliveries are signed under it too, so a receiver still holding the
   * secret shown before the rotation keeps verifying them; secrets shown are the current key's.
   */
  constructor(key: Buffer, previousKey?: Buffer) {
    // Derived keys are 32 bytes; anything shorter is a mistake (a root passed unhashed, say).
    if (key.length < 32 || (previousKey && previousKey.length < 32))
      throw new Error('WebhookSigner: pass keys from deriveKey(root, "webhook_secret")');
    this.key = key;
    this.previousKey = previousKey;
  }

  /** A fresh salt for a new endpoint or a rolled secret. */
  static newSalt(): string {
    return randomBytes(24).toString('base64url');
  }

  secretFor(salt: string): string {
    return secretUnder(this.key, salt);
  }

  /**
   * The secrets that sign a delivery to an endpoint right now: its current one, during a roll
   * the previous one too, and each of them under the previous root too while it is configured
   * (receivers accept any of the `v1` values).
   */
  secretsOf(
    endpoint: {
      secretSalt: string;
      previousSecretSalt: string | null;
      previousExpiresAt: Date | null;
    },
    now = new Date(),
  ): string[] {
    const salts = [endpoint.secretSalt];
    if (
      endpoint.previousSecretSalt &&
      endpoint.previousExpiresAt &&
      endpoint.previousExpiresAt > now
    )
      salts.push(endpoint.previousSecretSalt);
    const keys = this.previousKey ? [this.key, this.previousKey] : [this.key];
    return keys.flatMap((key) => salts.map((salt) => secretUnder(key, salt)));
  }
}

const secretUnder = (key: Buffer, salt: string) =>
  `whsec_${createHmac('sha256', key).update(salt).digest('base64url')}`;

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
