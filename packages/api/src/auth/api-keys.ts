import { timingSafeEqual } from 'node:crypto';
import { apiKeyPattern } from '@kassa/contracts';
import { hashApiKey } from '@kassa/db';
import type pg from 'pg';

/** When this process last recorded each key's use (keys it has not seen are absent). */
const lastUseRecorded = new Map<string, number>();

export interface AuthenticatedKey {
  keyId: string;
  merchantId: string;
  kind: 'secret' | 'publishable';
  livemode: boolean;
}

/**
 * Finds an active key by the SHA-256 of what the caller sent, then compares the hashes in
 * constant time. Unknown, malformed, revoked and expired (rolled) keys all come back undefined:
 * the caller cannot tell them apart. Last use is recorded at most once a minute per key, outside
 * the request's path.
 */
export async function authenticateApiKey(
  pool: pg.Pool,
  presented: string,
  now: Date,
): Promise<AuthenticatedKey | undefined> {
  if (!apiKeyPattern.test(presented)) return undefined;
  const hash = hashApiKey(presented);
  const { rows } = await pool.query<{
    id: string;
    merchant_id: string;
    kind: 'secret' | 'publishable';
    mode: string;
    hash: string;
  }>(
    `SELECT id, merchant_id, kind, mode, hash FROM api_keys
      WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
    [hash, now],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex')))
    return undefined;
  const at = now.getTime();
  if ((lastUseRecorded.get(row.id) ?? Number.NEGATIVE_INFINITY) < at - 60_000) {
    lastUseRecorded.set(row.id, at);
    void pool
      .query(
        `UPDATE api_keys SET last_used_at = $2
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
        [row.id, now],
      )
      .catch(() => {});
  }
  return {
    keyId: row.id,
    merchantId: row.merchant_id,
    kind: row.kind,
    livemode: row.mode === 'live',
  };
}

/** The key from `Authorization: Bearer <key>` (or Basic with the key as user name, as Stripe allows). */
export function presentedKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
  if (scheme?.toLowerCase() === 'basic' && value) {
    return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  }
  return undefined;
}
