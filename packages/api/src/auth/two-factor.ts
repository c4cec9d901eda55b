import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { type Transaction, withTransaction } from '@kassa/db';
import { KassaApiError } from '@kassa/payments';
import { Secret, TOTP } from 'otpauth';
import type pg from 'pg';

/**
 * Two-factor authentication for dashboard users: TOTP (RFC 6238: 6 digits, 30-second steps,
 * SHA-1, what every authenticator app reads), through otpauth, with ten one-time recovery codes.
 * PCI DSS 8.4.2 asks for MFA on all access to the cardholder data environment; 8.5.1 that a code
 * cannot be replayed: the last accepted time step is kept, and a code of that step or an earlier
 * one is refused.
 *
 * The TOTP secret must be read back to check codes, so it is encrypted, not hashed: AES-256-GCM
 * under deriveKey(KASSA_SECRET_KEY, 'two_factor'). Recovery codes are only compared, so only
 * their HMAC under the same key is kept.
 */
export interface TwoFactorKeys {
  twoFactorKey: Buffer;
  previousTwoFactorKey?: Buffer;
}

const STEP_SECONDS = 30;
const RECOVERY_CODES = 10;
const ISSUER = 'Kassa';

function encrypt(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decryptWith(key: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([
    decipher.update(sealed.subarray(12, sealed.length - 16)),
    decipher.final(),
  ]);
}

/** The secret under the current key, or under the previous root's while it is rotated. */
function decrypt(keys: TwoFactorKeys, sealed: Buffer): Buffer {
  return open(keys, sealed).secret;
}

/** The secret, and whether it was sealed under the previous root (and should be sealed again). */
function open(keys: TwoFactorKeys, sealed: Buffer): { secret: Buffer; stale: boolean } {
  try {
    return { secret: decryptWith(keys.twoFactorKey, sealed), stale: false };
  } catch (error) {
    if (!keys.previousTwoFactorKey) throw error;
    return { secret: decryptWith(keys.previousTwoFactorKey, sealed), stale: true };
  }
}

/**
 * While KASSA_SECRET_KEY is rotated, seals again under the new root every TOTP secret (set up or
 * pending) still sealed under the previous one, so that none is lost when the previous root is
 * dropped. Each row is changed only if it still holds what was read. The API runs it at start
 * when KASSA_SECRET_KEY_PREVIOUS is set; answers how many it sealed again.
 */
export async function resealTwoFactorSecrets(pool: pg.Pool, keys: TwoFactorKeys): Promise<number> {
  if (!keys.previousTwoFactorKey) return 0;
  const { rows } = await pool.query<{
    id: string;
    totp_secret: Buffer | null;
    totp_pending_secret: Buffer | null;
  }>(
    `SELECT id, totp_secret, totp_pending_secret FROM users
      WHERE totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL`,
  );
  let resealed = 0;
  for (const row of rows) {
    for (const column of ['totp_secret', 'totp_pending_secret'] as const) {
      const sealed = row[column];
      if (!sealed) continue;
      const { secret, stale } = open(keys, sealed);
      if (!stale) continue;
      const { rowCount } = await pool.query(
        `UPDATE users SET ${column} = $2 WHERE id = $1 AND ${column} = $3`,
        [row.id, encrypt(keys.twoFactorKey, secret), sealed],
      );
      resealed += rowCount ?? 0;
    }
  }
  return resealed;
}

const totpOf = (secret: Buffer, label: string) =>
  new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: STEP_SECONDS,
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
  });

/** A recovery code as typed (any case, with or without the dash), as its HMAC under `key`. */
const recoveryHashWith = (key: Buffer, code: string) =>
  createHmac('sha256', key).update(code.replace(/[\s-]/g, '').toLowerCase()).digest('hex');

const recoveryHash = (keys: TwoFactorKeys, code: string) =>
  recoveryHashWith(keys.twoFactorKey, code);

/** The code's HMAC under the current root and, while it is rotated, the previous one. */
const recoveryHashes = (keys: TwoFactorKeys, code: string) => [
  recoveryHashWith(keys.twoFactorKey, code),
  ...(keys.previousTwoFactorKey ? [recoveryHashWith(keys.previousTwoFactorKey, code)] : []),
];

const BASE32 = 'abcdefghijkmnpqrstuvwxyz23456789'; // no 0/o, 1/l: read off a screen and typed
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let code = '';
  for (const byte of bytes) code += BASE32[byte % 32]; // 32 divides 256: no bias
  return `${code.slice(0, 5)}-${code.slice(5)}`; // 50 bits
}

/** Ten new recovery codes in place of the user's old ones, in `tx`: only their HMACs are kept. */
async function replaceRecoveryCodes(
  tx: Transaction,
  userId: string,
  now: Date,
  keys: TwoFactorKeys,
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
  await tx.query(
    `INSERT INTO recovery_codes (user_id, code_hash, created_at)
     SELECT $1, unnest($2::text[]), $3`,
    [userId, codes.map((c) => recoveryHash(keys, c)), now],
  );
  return codes;
}

const invalidCode = () =>
  new KassaApiError({
    type: 'authentication_error',
    code: 'two_factor_invalid',
    message: 'That code is not right, or was used already.',
    param: 'code',
  });

interface FactorRow {
  email: string;
  totp_secret: Buffer | null;
  totp_pending_secret: Buffer | null;
  totp_enabled_at: Date | null;
}

async function factorRow(db: pg.Pool, userId: string): Promise<FactorRow> {
  const { rows } = await db.query<FactorRow>(
    'SELECT email, totp_secret, totp_pending_secret, totp_enabled_at FROM users WHERE id = $1',
    [userId],
  );
  const row = rows[0];
  if (!row) throw new Error(`user ${userId} vanished`);
  return row;
}

/** Whether two-factor is on, since when, and how many recovery codes are left. */
export async function twoFactorStatus(pool: pg.Pool, userId: string) {
  const { rows } = await pool.query<{ enabled_at: Date | null; left: number }>(
    `SELECT u.totp_enabled_at AS enabled_at,
            (SELECT count(*)::int FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS left
       FROM users u WHERE u.id = $1`,
    [userId],
  );
  const row = rows[0];
  return {
    enabled: Boolean(row?.enabled_at),
    enabled_at: row?.enabled_at ? Math.floor(row.enabled_at.getTime() / 1000) : null,
    recovery_codes_left: row?.left ?? 0,
  };
}

/**
 * Starts setting up (or replacing) the authenticator: a new secret, kept pending until a code
 * from it is entered. Answers with what the app needs: the otpauth:// URI (as a QR code or a
 * link) and the secret in base32 to type in.
 */
export async function beginTwoFactor(pool: pg.Pool, userId: string, keys: TwoFactorKeys) {
  const { email } = await factorRow(pool, userId);
  const secret = randomBytes(20); // 160 bits, RFC 4226's recommendation
  await pool.query('UPDATE users SET totp_pending_secret = $2 WHERE id = $1', [
    userId,
    encrypt(keys.twoFactorKey, secret),
  ]);
  const totp = totpOf(secret, email);
  return { secret: totp.secret.base32, uri: totp.toString() };
}

/** The time step a code of `secret` matches at `now` (one step either side), if any. */
function matchingStep(secret: Buffer, label: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpOf(secret, label).validate({
    token: code,
    timestamp: now.getTime(),
    window: 1,
  });
  return delta === null ? undefined : Math.floor(now.getTime() / 1000 / STEP_SECONDS) + delta;
}

/**
 * Turns two-factor on with the first code from the pending secret, and issues ten recovery
 * codes: in the answer, once; only their HMACs are kept. Replaces any earlier codes.
 */
export async function enableTwoFactor(
  pool: pg.Pool,
  userId: string,
  code: string,
  now: Date,
  keys: TwoFactorKeys,
) {
  const row = await factorRow(pool, userId);
  if (!row.totp_pending_secret) {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'two_factor_not_started',
      message: 'Start setting up two-factor first: there is no new secret to confirm.',
    });
  }
  const secret = decrypt(keys, row.totp_pending_secret);
  const step = matchingStep(secret, row.email, code.trim(), now);
  if (step === undefined) throw invalidCode();
  const codes = await withTransaction(pool, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE users SET totp_secret = $2, totp_pending_secret = NULL, totp_enabled_at = $3,
              totp_last_step = $4
        WHERE id = $1 AND totp_pending_secret = $5`,
      [userId, encrypt(keys.twoFactorKey, secret), now, step, row.totp_pending_secret],
    );
    if (rowCount !== 1) throw invalidCode(); // another setup began meanwhile
    return replaceRecoveryCodes(tx, userId, now, keys);
  });
  return { enabled: true, recovery_codes: codes };
}

/**
 * Checks a second factor of a user who has one: a 6-digit code (never one of a step already
 * used: the step moves forward in one atomic update, so two requests cannot both use a code) or
 * an unused recovery code (used up by the same kind of update). Throws two_factor_invalid.
 */
export async function verifySecondFactor(
  pool: pg.Pool,
  userId: string,
  code: string,
  now: Date,
  keys: TwoFactorKeys,
): Promise<'totp' | 'recovery_code'> {
  const row = await factorRow(pool, userId);
  if (!row.totp_secret) throw new Error('verifySecondFactor: two-factor is not on');
  const typed = code.trim();
  if (/^\d{6}$/.test(typed)) {
    const step = matchingStep(decrypt(keys, row.totp_secret), row.email, typed, now);
    if (step === undefined) throw invalidCode();
    const { rowCount } = await pool.query(
      `UPDATE users SET totp_last_step = $2
        WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
      [userId, step],
    );
    if (rowCount !== 1) throw invalidCode();
    return 'totp';
  }
  const { rowCount } = await pool.query(
    `UPDATE recovery_codes SET used_at = $3
      WHERE id = (SELECT id FROM recovery_codes
                   WHERE user_id = $1 AND code_hash = ANY($2) AND used_at IS NULL
                   LIMIT 1 FOR UPDATE SKIP LOCKED)`,
    [userId, recoveryHashes(keys, typed), now],
  );
  if (rowCount !== 1) throw invalidCode();
  return 'recovery_code';
}

/**
 * Ten new recovery codes, shown once, in place of the old ones (spent or not), with a current code
 * or a recovery code. Also how codes made before a rotation of KASSA_SECRET_KEY are replaced with
 * codes under the new root before the grace period ends.
 */
export async function regenerateRecoveryCodes(
  pool: pg.Pool,
  userId: string,
  code: string,
  now: Date,
  keys: TwoFactorKeys,
) {
  await verifySecondFactor(pool, userId, code, now, keys);
  const codes = await withTransaction(pool, (tx) => replaceRecoveryCodes(tx, userId, now, keys));
  return { recovery_codes: codes };
}

/** Turns two-factor off, with a current code or a recovery code; the recovery codes go too. */
export async function disableTwoFactor(
  pool: pg.Pool,
  userId: string,
  code: string,
  now: Date,
  keys: TwoFactorKeys,
) {
  await verifySecondFactor(pool, userId, code, now, keys);
  await withTransaction(pool, async (tx) => {
    await tx.query(
      `UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL,
              totp_last_step = NULL WHERE id = $1`,
      [userId],
    );
    await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
  });
  return { enabled: false };
}
