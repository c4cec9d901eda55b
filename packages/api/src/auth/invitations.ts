import { newId } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { invalidRequest, KassaApiError } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import type { MembershipRole } from './dashboard-session.ts';
import { hashLinkToken, linkToken } from './link-tokens.ts';
import { hashPassword, PASSWORD_MAX_LENGTH } from './passwords.ts';
import {
  createSession,
  type IssuedSession,
  newPassword,
  type SessionOrigin,
  signIn,
} from './sign-in.ts';
import type { TwoFactorKeys } from './two-factor.ts';

/**
 * Accepting an invitation (dashboard/team.ts sends them): whoever opens the emailed link proves
 * they hold that mailbox. Someone without an account creates one with the invited email; someone
 * with one proves it is theirs with its password (and second factor), as at sign-in. Either way
 * they end up signed in, a member with the invited role, and the link is spent.
 */
export const invitationInput = z.object({ token: linkToken }).strict();
export const acceptInvitationInput = z
  .object({
    token: linkToken,
    password: z.string().max(PASSWORD_MAX_LENGTH),
    /** For a new account: the person's name. */
    name: z.string().trim().min(1).max(100).optional(),
    /** For an account with two-factor on: its code, or a recovery code. */
    code: z.string().trim().max(32).optional(),
  })
  .strict();

interface PendingInvitation {
  id: string;
  merchant_id: string;
  merchant_name: string;
  email: string;
  role: MembershipRole;
  expires_at: Date;
  user_id: string | null;
}

const invitationInvalid = () =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'invitation_invalid',
    message:
      'This invitation link does not work: it was used or withdrawn, or it expired. Ask for a new one.',
    param: 'token',
    status: 404,
  });

/** The pending invitation a token names (locked for the change when `lock`); else a 404. */
async function pendingInvitation(
  db: pg.Pool | pg.PoolClient,
  token: string,
  now: Date,
  lock = false,
): Promise<PendingInvitation> {
  const { rows } = await db.query<PendingInvitation>(
    `SELECT i.id, i.merchant_id, mc.name AS merchant_name, i.email, i.role, i.expires_at,
            u.id AS user_id
       FROM invitations i
       JOIN merchants mc ON mc.id = i.merchant_id
       LEFT JOIN users u ON u.email = i.email
      WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
        AND i.expires_at > $2
      ${lock ? 'FOR UPDATE OF i' : ''}`,
    [hashLinkToken(token), now],
  );
  const row = rows[0];
  if (!row) throw invitationInvalid();
  return row;
}

/** What the invitation page shows before anything is typed. */
export async function describeInvitation(pool: pg.Pool, token: string, now: Date) {
  const row = await pendingInvitation(pool, token, now);
  return {
    object: 'invitation' as const,
    merchant: row.merchant_id,
    merchant_name: row.merchant_name,
    email: row.email,
    role: row.role,
    expires_at: Math.floor(row.expires_at.getTime() / 1000),
    /** Whether the invited email has an account: then its password accepts, else a new one is made. */
    account_exists: row.user_id !== null,
  };
}

export interface AcceptedInvitation extends IssuedSession {
  merchant: string;
  invitation: string;
}

async function join(
  tx: pg.PoolClient,
  invitation: PendingInvitation,
  userId: string,
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO memberships (id, merchant_id, user_id, role, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (merchant_id, user_id) DO NOTHING`,
    [newId('membership'), invitation.merchant_id, userId, invitation.role, now],
  );
  await tx.query('UPDATE invitations SET accepted_at = $2 WHERE id = $1', [invitation.id, now]);
}

export async function acceptInvitation(
  pool: pg.Pool,
  input: z.output<typeof acceptInvitationInput>,
  origin: SessionOrigin,
  keys: TwoFactorKeys,
): Promise<AcceptedInvitation> {
  const found = await pendingInvitation(pool, input.token, origin.now);
  if (found.user_id) {
    // An existing account: signing in (password, lockout, second factor) proves it is theirs.
    const session = await signIn(
      pool,
      { email: found.email, password: input.password, code: input.code },
      origin,
      keys,
    );
    await withTransaction(pool, async (tx) => {
      const invitation = await pendingInvitation(tx, input.token, origin.now, true);
      await join(tx, invitation, session.user, origin.now);
    });
    return { ...session, merchant: found.merchant_id, invitation: found.id };
  }
  const password = newPassword.safeParse(input.password);
  if (!password.success) {
    throw invalidRequest(
      'parameter_invalid',
      `Invalid password: ${password.error.issues[0]?.message ?? 'not allowed'}`,
      'password',
    );
  }
  if (!input.name) throw invalidRequest('parameter_missing', 'Enter your name.', 'name');
  const passwordHash = await hashPassword(password.data);
  return withTransaction(pool, async (tx) => {
    // Locked: of two tabs accepting at once, the second finds the link spent.
    const invitation = await pendingInvitation(tx, input.token, origin.now, true);
    const userId = newId('user');
    const { rowCount } = await tx.query(
      `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (email) DO NOTHING`,
      [userId, invitation.email, input.name, passwordHash, origin.now],
    );
    if (rowCount === 0) {
      throw invalidRequest(
        'email_taken',
        'An account with this email was created meanwhile: open the link again and use its password.',
        'token',
      );
    }
    await join(tx, invitation, userId, origin.now);
    const session = await createSession(tx, userId, origin);
    return { ...session, merchant: invitation.merchant_id, invitation: invitation.id };
  });
}
