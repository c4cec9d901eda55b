import { parse as parseCookieHeader } from 'cookie';
import { decode } from 'next-auth/jwt';
import type pg from 'pg';
import type { MembershipRole } from './permissions.ts';

export type { MembershipRole } from './permissions.ts';

/**
 * The dashboard signs its users in with next-auth (JWT sessions). next-auth keeps the session as
 * an encrypted JWT (JWE, A256GCM, key derived from NEXTAUTH_SECRET) in a cookie; the API reads
 * the same cookie and decrypts it with next-auth's own `decode`, so the two never disagree on the
 * format. The token's `sub` is the user id; its `exp` is checked by `decode`.
 */
export const SESSION_COOKIES = ['__Secure-next-auth.session-token', 'next-auth.session-token'];

/**
 * Cookies of a `Cookie` header, by name, parsed by the `cookie` package next-auth itself reads
 * cookies with (first occurrence wins, values URI-decoded and unquoted).
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  return new Map(Object.entries(parseCookieHeader(header ?? '')));
}

/**
 * The session token in a `Cookie` header: next-auth's cookie, or its chunks (`<name>.0`,
 * `<name>.1`, …) which next-auth writes when the token outgrows one cookie.
 */
export function sessionToken(cookieHeader: string | undefined): string | undefined {
  const cookies = parseCookies(cookieHeader);
  for (const name of SESSION_COOKIES) {
    const whole = cookies.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i += 1)
      chunks.push(cookies.get(`${name}.${i}`) ?? '');
    if (chunks.length > 0) return chunks.join('');
  }
  return undefined;
}

/**
 * The user and session a valid, unexpired token names (`sub`, and `sid`: the dashboard_sessions
 * row the sign-in opened); undefined for anything else. Whether that session is still live is the
 * database's to say (sign-in.ts, sessionIsLive).
 */
export async function sessionClaims(
  token: string,
  secret: string,
): Promise<{ userId: string; sessionId: string } | undefined> {
  try {
    const payload = await decode({ token, secret });
    const sub = payload?.sub;
    const sid = payload?.sid;
    return typeof sub === 'string' &&
      /^usr_[A-Za-z0-9]{1,64}$/.test(sub) &&
      typeof sid === 'string' &&
      /^dss_[A-Za-z0-9]{1,64}$/.test(sid)
      ? { userId: sub, sessionId: sid }
      : undefined;
  } catch {
    return undefined; // wrong secret, tampered, expired, not a JWE at all
  }
}

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  /** Whether they have two-factor authentication on. */
  twoFactor: boolean;
  memberships: Array<{
    merchantId: string;
    merchantName: string;
    role: MembershipRole;
    /** The merchant's owner requires two-factor of every member. */
    requireTwoFactor: boolean;
  }>;
}

/** The user and every merchant they belong to (oldest membership first). */
export async function loadSessionUser(
  pool: pg.Pool,
  userId: string,
): Promise<SessionUser | undefined> {
  const { rows } = await pool.query<{
    id: string;
    email: string;
    name: string | null;
    two_factor: boolean;
    merchant_id: string | null;
    merchant_name: string | null;
    role: MembershipRole | null;
    require_two_factor: boolean | null;
  }>(
    `SELECT u.id, u.email, u.name, u.totp_secret IS NOT NULL AS two_factor, m.merchant_id,
            mc.name AS merchant_name, m.role, mc.require_two_factor
       FROM users u
       LEFT JOIN memberships m ON m.user_id = u.id
       LEFT JOIN merchants mc ON mc.id = m.merchant_id
      WHERE u.id = $1
      ORDER BY m.created_at, m.merchant_id`,
    [userId],
  );
  const [first] = rows;
  if (!first) return undefined;
  return {
    id: first.id,
    email: first.email,
    name: first.name,
    twoFactor: first.two_factor,
    memberships: rows.flatMap((r) =>
      r.merchant_id && r.role
        ? [
            {
              merchantId: r.merchant_id,
              merchantName: r.merchant_name ?? '',
              role: r.role,
              requireTwoFactor: r.require_two_factor === true,
            },
          ]
        : [],
    ),
  };
}
