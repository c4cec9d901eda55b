import { newId } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { KassaApiError } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import {
  decoyHash,
  hashPassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from './passwords.ts';
import { type TwoFactorKeys, verifySecondFactor } from './two-factor.ts';

/**
 * Dashboard sign-up, sign-in and sessions. The dashboard's server (next-auth's credentials
 * provider) calls these procedures and keeps the session id in its encrypted cookie; the API
 * accepts that cookie only while the session row says it is live, so a session can be ended on
 * the server: sign-out, sign-out everywhere, an expired or idle session.
 *
 * PCI DSS 8.2.8: a session idle for more than 15 minutes needs the user to sign in again.
 * PCI DSS 8.3.4: ten wrong passwords lock the account for 30 minutes.
 */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const SESSION_IDLE_MS = 15 * 60 * 1000;
/** last_seen_at moves at most this often (one UPDATE a minute per session, not per request). */
const TOUCH_EVERY_MS = 60 * 1000;
export const MAX_FAILED_SIGN_INS = 10;
export const LOCKOUT_MS = 30 * 60 * 1000;

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'must be an email address' }))
  .transform((value) => value.toLowerCase());
export const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { error: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH);

export const signInInput = z
  .object({
    email,
    password: z.string().max(PASSWORD_MAX_LENGTH),
    /** The second factor, for a user who has one: 6 digits, or a recovery code. */
    code: z.string().trim().max(32).optional(),
  })
  .strict();
export const signUpInput = z
  .object({
    email,
    password: newPassword,
    name: z.string().trim().min(1).max(100),
    business_name: z.string().trim().min(1).max(100),
  })
  .strict();

export interface SessionOrigin {
  now: Date;
  ip?: string;
  userAgent?: string;
}

export interface IssuedSession {
  user: string;
  session: string;
  expires_at: number;
}

export async function createSession(
  db: pg.Pool | pg.PoolClient,
  userId: string,
  origin: SessionOrigin,
): Promise<IssuedSession> {
  const id = newId('dashboardSession');
  const expiresAt = new Date(origin.now.getTime() + SESSION_LIFETIME_MS);
  await db.query(
    `INSERT INTO dashboard_sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $3, $4, $5, $6)`,
    [id, userId, origin.now, expiresAt, origin.ip ?? null, origin.userAgent?.slice(0, 500) ?? null],
  );
  return { user: userId, session: id, expires_at: Math.floor(expiresAt.getTime() / 1000) };
}

const credentialsInvalid = () =>
  new KassaApiError({
    type: 'authentication_error',
    code: 'credentials_invalid',
    message: 'The email or password is not right.',
  });

/**
 * Checks a password and opens a session. An unknown email costs the same scrypt as a wrong
 * password and gets the same error. A locked account is refused before its password is checked
 * (a right password does not unlock it early).
 */
export async function signIn(
  pool: pg.Pool,
  input: z.output<typeof signInInput>,
  origin: SessionOrigin,
  keys: TwoFactorKeys,
): Promise<IssuedSession> {
  const { rows } = await pool.query<{
    id: string;
    password_hash: string | null;
    locked: boolean;
    two_factor: boolean;
  }>(
    `SELECT id, password_hash, coalesce(locked_until > $2, false) AS locked,
            totp_secret IS NOT NULL AS two_factor
       FROM users WHERE email = $1`,
    [input.email, origin.now],
  );
  const user = rows[0];
  if (user?.locked) {
    throw new KassaApiError({
      type: 'rate_limit_error',
      code: 'account_locked',
      message: `Too many wrong passwords: this account is locked for up to ${LOCKOUT_MS / 60_000} minutes.`,
    });
  }
  const right = await verifyPassword(input.password, user?.password_hash ?? (await decoyHash()));
  // One atomic step, so concurrent wrong guesses each count.
  const countFailure = (userId: string) =>
    pool.query(
      `UPDATE users SET failed_sign_ins = failed_sign_ins + 1,
              locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
        WHERE id = $1`,
      [userId, MAX_FAILED_SIGN_INS, new Date(origin.now.getTime() + LOCKOUT_MS)],
    );
  if (!user?.password_hash || !right) {
    if (user) await countFailure(user.id);
    throw credentialsInvalid();
  }
  if (user.two_factor) {
    if (!input.code) {
      throw new KassaApiError({
        type: 'authentication_error',
        code: 'two_factor_required',
        message: 'Enter the code from your authenticator app, or a recovery code.',
        param: 'code',
      });
    }
    try {
      await verifySecondFactor(pool, user.id, input.code, origin.now, keys);
    } catch (error) {
      // A wrong code counts like a wrong password: the lockout stops guessing codes too.
      await countFailure(user.id);
      throw error;
    }
  }
  const rehash = needsRehash(user.password_hash) ? await hashPassword(input.password) : null;
  await pool.query(
    `UPDATE users SET failed_sign_ins = 0, locked_until = NULL,
            password_hash = coalesce($2, password_hash)
      WHERE id = $1`,
    [user.id, rehash],
  );
  return createSession(pool, user.id, origin);
}

/** A new merchant and its owner, signed in: one transaction, so never half made. */
export async function signUp(
  pool: pg.Pool,
  input: z.output<typeof signUpInput>,
  origin: SessionOrigin,
): Promise<IssuedSession & { merchant: string }> {
  const passwordHash = await hashPassword(input.password);
  return withTransaction(pool, async (tx) => {
    const userId = newId('user');
    const { rowCount } = await tx.query(
      `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (email) DO NOTHING`,
      [userId, input.email, input.name, passwordHash, origin.now],
    );
    if (rowCount === 0) {
      throw new KassaApiError({
        type: 'invalid_request_error',
        code: 'email_taken',
        message:
          'An account with this email exists: sign in instead, or ask its owner to invite you.',
        param: 'email',
      });
    }
    const merchantId = newId('merchant');
    await tx.query(
      'INSERT INTO merchants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)',
      [merchantId, input.business_name, origin.now],
    );
    await tx.query(
      `INSERT INTO memberships (id, merchant_id, user_id, role, created_at)
       VALUES ($1, $2, $3, 'owner', $4)`,
      [newId('membership'), merchantId, userId, origin.now],
    );
    return { ...(await createSession(tx, userId, origin)), merchant: merchantId };
  });
}

/**
 * Whether session `sessionId` of `userId` is live at `now`: not revoked, not past its expiry,
 * not idle for longer than SESSION_IDLE_MS. A live session's last_seen_at moves to `now` (at most
 * once a minute).
 */
export async function sessionIsLive(
  pool: pg.Pool,
  userId: string,
  sessionId: string,
  now: Date,
): Promise<boolean> {
  const { rows } = await pool.query<{ touch: boolean }>(
    `SELECT last_seen_at <= $3::timestamptz - make_interval(secs => $5) AS touch
       FROM dashboard_sessions
      WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3
        AND last_seen_at > $3::timestamptz - make_interval(secs => $4)`,
    [sessionId, userId, now, SESSION_IDLE_MS / 1000, TOUCH_EVERY_MS / 1000],
  );
  const [row] = rows;
  if (!row) return false;
  if (row.touch) {
    await pool.query(
      'UPDATE dashboard_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id = $1',
      [sessionId, now],
    );
  }
  return true;
}

/**
 * Ends one session of the user (`only`), or every live one: sign-out, sign-out everywhere, a
 * removed member, a reset password. Runs in `db`, a transaction when the caller has one.
 */
export async function endSessions(
  db: pg.Pool | pg.PoolClient,
  userId: string,
  now: Date,
  only?: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE dashboard_sessions SET revoked_at = $3
      WHERE user_id = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR id = $2)`,
    [userId, only ?? null, now],
  );
  return rowCount ?? 0;
}

/** A live session of the user, as their account page lists it. */
export interface SessionView {
  id: string;
  object: 'dashboard_session';
  created: number;
  last_active: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  /** The session making this request. */
  current: boolean;
}

/** The user's live sessions (not revoked, not expired, not idle), most recently active first. */
export async function listSessions(
  pool: pg.Pool,
  userId: string,
  currentId: string,
  now: Date,
): Promise<{ object: 'list'; data: SessionView[]; has_more: false }> {
  const { rows } = await pool.query<{
    id: string;
    created_at: Date;
    last_seen_at: Date;
    expires_at: Date;
    ip: string | null;
    user_agent: string | null;
  }>(
    `SELECT id, created_at, last_seen_at, expires_at, host(ip) AS ip, user_agent
       FROM dashboard_sessions
      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
        AND last_seen_at > $2::timestamptz - make_interval(secs => $3)
      ORDER BY last_seen_at DESC, id
      LIMIT 100`,
    [userId, now, SESSION_IDLE_MS / 1000],
  );
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  return {
    object: 'list',
    data: rows.map((row) => ({
      id: row.id,
      object: 'dashboard_session',
      created: seconds(row.created_at),
      last_active: seconds(row.last_seen_at),
      expires_at: seconds(row.expires_at),
      ip: row.ip,
      user_agent: row.user_agent,
      current: row.id === currentId,
    })),
    has_more: false,
  };
}

/** Ends one of the user's own sessions (another user's, or an unknown one, is a 404). */
export async function revokeSession(
  pool: pg.Pool,
  userId: string,
  sessionId: string,
  now: Date,
): Promise<{ id: string; object: 'dashboard_session'; revoked: true }> {
  const { rowCount } = await pool.query(
    `UPDATE dashboard_sessions SET revoked_at = $3
      WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
    [sessionId, userId, now],
  );
  if (rowCount === 0) {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such session: '${sessionId}'`,
      param: 'id',
      status: 404,
    });
  }
  return { id: sessionId, object: 'dashboard_session', revoked: true };
}
