import { createHash, hkdfSync } from 'node:crypto';

// Node only (node:crypto): a subpath of its own (`@kassa/contracts/keys`), so the browser
// bundles that import contracts never pull it in.

/**
 * What each key derived from the platform's root secret (KASSA_SECRET_KEY) is for. The label is
 * HKDF's `info`: part of the derivation, so renaming one changes its key. Add a purpose here
 * rather than reusing another's key.
 */
export const keyPurposes = [
  'client_secret',
  'webhook_secret',
  'request_hash',
  'two_factor',
] as const;
export type KeyPurpose = (typeof keyPurposes)[number];

/** HKDF's salt, fixed and public (RFC 5869 §3.1: a salt need not be secret). */
export const KEY_DERIVATION_SALT = 'kassa-v1';

/** The shortest root accepted, in bytes (KASSA_SECRET_KEY is at least 32 characters). */
const MIN_ROOT_BYTES = 32;

/**
 * The key of one purpose: HKDF-SHA256 (RFC 5869) of the root secret, salt `kassa-v1`, info the
 * purpose's label. Each purpose gets an independent key: knowing one (or many) derived keys
 * reveals nothing about the root or about any other purpose's key. The same root always gives
 * the same keys, which is what lets derived values (client secrets, webhook secrets) be
 * recomputed instead of stored; a new root gives new keys for every purpose.
 */
export function deriveKey(root: string | Buffer, purpose: KeyPurpose, length = 32): Buffer {
  const ikm = typeof root === 'string' ? Buffer.from(root, 'utf8') : root;
  if (ikm.length < MIN_ROOT_BYTES) {
    throw new Error(`deriveKey: the root secret must be at least ${MIN_ROOT_BYTES} bytes`);
  }
  if (!keyPurposes.includes(purpose)) throw new Error(`deriveKey: unknown purpose ${purpose}`);
  return Buffer.from(hkdfSync('sha256', ikm, KEY_DERIVATION_SALT, purpose, length));
}

/**
 * The label each purpose's key had before HKDF: Kassa up to 2026-12-01 derived every key as
 * SHA-256("<label>:" + root). Only for accepting what an older version issued, while upgrading
 * (KASSA_ACCEPT_PRE_HKDF_KEYS); nothing is ever issued under it.
 */
const PRE_HKDF_LABELS: Partial<Record<KeyPurpose, string>> = {
  client_secret: 'client-secret',
  request_hash: 'request-hash',
  webhook_secret: 'webhook-secret',
};

/** A purpose's key as Kassa derived it before HKDF (see PRE_HKDF_LABELS). Accept only. */
export function preHkdfKey(root: string, purpose: KeyPurpose): Buffer {
  const label = PRE_HKDF_LABELS[purpose];
  if (!label) throw new Error(`preHkdfKey: unknown purpose ${purpose}`);
  return createHash('sha256').update(`${label}:${root}`).digest();
}

/**
 * Which earlier keys are still accepted (never issued) beside the current root's: the previous
 * root's while the root is rotated (KASSA_SECRET_KEY_PREVIOUS), or the current root's pre-HKDF
 * keys while upgrading from a version that derived them so (KASSA_ACCEPT_PRE_HKDF_KEYS). One
 * grace period at a time: both at once is refused, since only one earlier key is kept.
 */
export interface EarlierKeys {
  previousRoot?: string | undefined;
  acceptPreHkdf?: boolean | undefined;
}

/** The earlier key of `purpose` that is still accepted, if any (see EarlierKeys). */
export function earlierKey(
  root: string,
  purpose: KeyPurpose,
  earlier: EarlierKeys,
): Buffer | undefined {
  if (earlier.previousRoot && earlier.acceptPreHkdf) {
    throw new Error(
      'KASSA_SECRET_KEY_PREVIOUS and KASSA_ACCEPT_PRE_HKDF_KEYS cannot both be set: finish the upgrade grace period before rotating the root (docs/security.md)',
    );
  }
  if (earlier.previousRoot) return deriveKey(earlier.previousRoot, purpose);
  // A purpose younger than HKDF (two_factor) never had a key of the old kind.
  if (earlier.acceptPreHkdf && PRE_HKDF_LABELS[purpose]) return preHkdfKey(root, purpose);
  return undefined;
}
