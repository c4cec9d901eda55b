import { createHash } from 'node:crypto';
import { randomBase62 } from '@kassa/contracts';
import { z } from 'zod';

/**
 * The one-time tokens of emailed links (invitations, password resets): 43 random base62
 * characters (about 256 bits), so they cannot be guessed; only their SHA-256 is stored, so a
 * database dump holds no working link. Unsalted SHA-256 is enough for a random token of this size
 * (nothing to try a dictionary on), and lets the row be found by its hash.
 *
 * The link carries the token in its fragment (`/invitation#<token>`): a fragment is never sent
 * to a server, so the token stays out of access logs and Referer headers.
 */
const TOKEN_LENGTH = 43;

export const linkToken = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z]{43}$/, { error: 'is not the token of a link Kassa sent' });

export function newLinkToken(): { token: string; hash: string } {
  const token = randomBase62(TOKEN_LENGTH);
  return { token, hash: hashLinkToken(token) };
}

export const hashLinkToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');
