import { createHash, createHmac } from 'node:crypto';
import {
  API_KEY_RANDOM_LENGTH,
  type ApiKeyKind,
  type ApiKeyMode,
  apiKeyTag,
  newId,
  randomBase62,
} from '@kassa/contracts';
import type { ApiKey, PrismaClient } from './generated/prisma/client.ts';

/** Characters of the key kept in clear (`sk_test_` + 6), enough to tell keys apart on screen. */
const VISIBLE_RANDOM_CHARACTERS = 6;

/**
 * SHA-256 of the whole key. Keys carry ~190 bits of randomness, so a fast hash is enough:
 * there is nothing to brute-force that a slow password hash would protect.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface IssuedApiKey {
  apiKey: ApiKey;
  /** The key itself. Returned once; only its hash is stored. */
  secret: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A publishable key derived from the platform secret (KASSA_SECRET_KEY) and the key's id:
 * `pk_<mode>_` + 32 base62 characters of HMAC-SHA256. Publishable keys are public by design (the
 * hosted checkout hands them to every shopper's browser), but like every key only their hash is
 * stored; deriving them lets the platform show one again (the checkout page) without storing it.
 */
export function derivePublishableKey(
  platformSecret: string,
  keyId: string,
  mode: ApiKeyMode,
): string {
  const key = createHash('sha256').update(`publishable-key:${platformSecret}`).digest();
  let n = BigInt(`0x${createHmac('sha256', key).update(keyId).digest('hex')}`);
  let out = '';
  for (let i = 0; i < API_KEY_RANDOM_LENGTH; i += 1) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return `${apiKeyTag('publishable', mode)}${out}`;
}

/**
 * A new API key. Secret keys are random; publishable keys are derived (derivePublishableKey)
 * when `platformSecret` is given, random otherwise (they then work, but the hosted checkout
 * cannot show them).
 */
export async function issueApiKey(
  prisma: PrismaClient,
  input: {
    merchantId: string;
    kind: ApiKeyKind;
    mode: ApiKeyMode;
    name?: string;
    platformSecret?: string;
  },
): Promise<IssuedApiKey> {
  const tag = apiKeyTag(input.kind, input.mode);
  const id = newId('apiKey');
  const secret =
    input.kind === 'publishable' && input.platformSecret
      ? derivePublishableKey(input.platformSecret, id, input.mode)
      : `${tag}${randomBase62(API_KEY_RANDOM_LENGTH)}`;
  const apiKey = await prisma.apiKey.create({
    data: {
      id,
      merchantId: input.merchantId,
      kind: input.kind,
      mode: input.mode,
      prefix: secret.slice(0, tag.length + VISIBLE_RANDOM_CHARACTERS),
      hash: hashApiKey(secret),
      name: input.name ?? null,
    },
  });
  return { apiKey, secret };
}
