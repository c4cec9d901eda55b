import { createHash } from 'node:crypto';
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

/**
 * A new API key, secret or publishable: `<tag>` + 32 random base62 characters (~190 bits).
 * Publishable keys are made and kept exactly as secret keys are, though they are public by
 * design: derived from nothing, so knowing the platform's secrets does not give them; stored
 * as their hash only, so a copy of the database does not either. Shown once, here.
 */
export async function issueApiKey(
  prisma: PrismaClient,
  input: {
    merchantId: string;
    kind: ApiKeyKind;
    mode: ApiKeyMode;
    name?: string;
  },
): Promise<IssuedApiKey> {
  const tag = apiKeyTag(input.kind, input.mode);
  const id = newId('apiKey');
  const secret = `${tag}${randomBase62(API_KEY_RANDOM_LENGTH)}`;
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
