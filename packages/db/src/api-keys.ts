import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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
  const { secret, ...stored } = newApiKey(input.kind, input.mode);
  const apiKey = await prisma.apiKey.create({
    data: {
      ...stored,
      merchantId: input.merchantId,
      kind: input.kind,
      mode: input.mode,
      name: input.name ?? null,
    },
  });
  return { apiKey, secret };
}

/**
 * A new key and what is stored of it (id, the visible prefix, the hash), for callers that
 * insert it themselves inside a transaction of theirs (`issueApiKey` inserts it alone).
 */
export function newApiKey(kind: ApiKeyKind, mode: ApiKeyMode) {
  const tag = apiKeyTag(kind, mode);
  const secret = `${tag}${randomBase62(API_KEY_RANDOM_LENGTH)}`;
  return {
    id: newId('apiKey'),
    secret,
    prefix: secret.slice(0, tag.length + VISIBLE_RANDOM_CHARACTERS),
    hash: hashApiKey(secret),
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The publishable key older versions of Kassa *derived* from the platform's root secret
 * (KASSA_SECRET_KEY) and the key's id, instead of drawing it at random: anyone who holds the
 * root can compute it. Such keys still authenticate (their hash is stored), so they have to be
 * found and replaced (`kassa keys derived`). Recognise only: never issue a key this way.
 */
export function derivedPublishableKey(root: string, keyId: string, mode: ApiKeyMode): string {
  const key = createHash('sha256').update(`publishable-key:${root}`).digest();
  let n = BigInt(`0x${createHmac('sha256', key).update(keyId).digest('hex')}`);
  let out = '';
  for (let i = 0; i < API_KEY_RANDOM_LENGTH; i += 1) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return `pk_${mode}_${out}`;
}

/**
 * Whether a stored key is a publishable key derived from `root` (see derivedPublishableKey):
 * its hash is that of the derived key, compared in constant time.
 */
export function isDerivedPublishableKey(
  root: string,
  row: Pick<ApiKey, 'id' | 'kind' | 'mode' | 'hash'>,
): boolean {
  if (row.kind !== 'publishable') return false;
  const expected = Buffer.from(hashApiKey(derivedPublishableKey(root, row.id, row.mode)), 'hex');
  const stored = Buffer.from(row.hash, 'hex');
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}

export type RevokedApiKey =
  | { status: 'revoked'; apiKey: ApiKey }
  | { status: 'already_revoked'; apiKey: ApiKey }
  | { status: 'not_found' };

/**
 * Revokes a key: from now on it no longer authenticates. A key already revoked keeps the time
 * it was first revoked at.
 */
export async function revokeApiKey(prisma: PrismaClient, id: string): Promise<RevokedApiKey> {
  const { count } = await prisma.apiKey.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  const apiKey = await prisma.apiKey.findUnique({ where: { id } });
  if (!apiKey) return { status: 'not_found' };
  return { status: count > 0 ? 'revoked' : 'already_revoked', apiKey };
}
