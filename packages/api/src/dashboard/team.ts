import { idSchema, newId } from '@kassa/contracts';
import { type Transaction, withTransaction } from '@kassa/db';
import { invalidRequest, KassaApiError, notFound } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import { newLinkToken } from '../auth/link-tokens.ts';
import { type MembershipRole, ROLES } from '../auth/permissions.ts';
import { email, endSessions } from '../auth/sign-in.ts';
import type { ApiServices } from '../init.ts';
import type { DashboardPrincipal } from '../procedures.ts';

/**
 * A merchant's team: its members and their roles, and invitations by emailed link. The rules an
 * experienced team admin expects:
 * - owner and admin manage the team (`team.manage`); only an owner grants, changes or removes the
 *   owner role;
 * - a merchant always keeps an owner: the last one cannot be demoted or removed;
 * - removing a member ends every session of theirs at once (and their next request fails);
 * - changes to one merchant's team are serialized (its merchants row is locked), so two owners
 *   demoting each other at the same moment cannot leave it without one.
 */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export interface TeamMemberView {
  id: string;
  object: 'team_member';
  user: string;
  email: string;
  name: string | null;
  role: MembershipRole;
  /** When they joined. */
  created: number;
  two_factor: boolean;
  /** Their latest request to the dashboard, from any session (null: none yet). */
  last_active: number | null;
}

export interface InvitationView {
  id: string;
  object: 'invitation';
  email: string;
  role: MembershipRole;
  created: number;
  expires_at: number;
  /** The email of who sent it (null when that account is gone). */
  invited_by: string | null;
}

interface MemberRow {
  id: string;
  user_id: string;
  email: string;
  name: string | null;
  role: MembershipRole;
  created_at: Date;
  two_factor: boolean;
  last_active: Date | null;
}

interface InvitationRow {
  id: string;
  email: string;
  role: MembershipRole;
  created_at: Date;
  expires_at: Date;
  invited_by: string | null;
}

const memberView = (row: MemberRow): TeamMemberView => ({
  id: row.id,
  object: 'team_member',
  user: row.user_id,
  email: row.email,
  name: row.name,
  role: row.role,
  created: seconds(row.created_at),
  two_factor: row.two_factor,
  last_active: row.last_active ? seconds(row.last_active) : null,
});

const invitationView = (row: InvitationRow): InvitationView => ({
  id: row.id,
  object: 'invitation',
  email: row.email,
  role: row.role,
  created: seconds(row.created_at),
  expires_at: seconds(row.expires_at),
  invited_by: row.invited_by,
});

const MEMBER_SELECT = `
  SELECT m.id, m.user_id, u.email, u.name, m.role, m.created_at,
         u.totp_secret IS NOT NULL AS two_factor,
         (SELECT max(s.last_seen_at) FROM dashboard_sessions s WHERE s.user_id = u.id) AS last_active
    FROM memberships m JOIN users u ON u.id = m.user_id`;

const INVITATION_SELECT = `
  SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.email AS invited_by
    FROM invitations i LEFT JOIN users u ON u.id = i.invited_by`;

/** Pending: neither accepted nor revoked, and not expired at `$2`. */
const PENDING = 'i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2';

/** Members (owners first, then by when they joined), pending invitations, the 2FA rule. */
export async function listTeam(pool: pg.Pool, principal: DashboardPrincipal, now: Date) {
  const [members, invitations, merchant] = await Promise.all([
    pool.query<MemberRow>(
      `${MEMBER_SELECT} WHERE m.merchant_id = $1
        ORDER BY array_position($2::membership_role[], m.role), m.created_at, m.id`,
      [principal.merchantId, ROLES],
    ),
    pool.query<InvitationRow>(
      `${INVITATION_SELECT} WHERE i.merchant_id = $1 AND ${PENDING}
        ORDER BY i.created_at DESC, i.id DESC`,
      [principal.merchantId, now],
    ),
    pool.query<{ require_two_factor: boolean }>(
      'SELECT require_two_factor FROM merchants WHERE id = $1',
      [principal.merchantId],
    ),
  ]);
  const row = merchant.rows[0];
  if (!row) throw new Error(`merchant ${principal.merchantId} of a live membership is gone`);
  return {
    object: 'team' as const,
    members: members.rows.map(memberView),
    invitations: invitations.rows.map(invitationView),
    require_two_factor: row.require_two_factor,
  };
}

/** Locks the merchant's row: one team change at a time per merchant. */
async function lockTeam(tx: Transaction, merchantId: string): Promise<{ name: string }> {
  const { rows } = await tx.query<{ name: string }>(
    'SELECT name FROM merchants WHERE id = $1 FOR UPDATE',
    [merchantId],
  );
  const row = rows[0];
  if (!row) throw new Error(`merchant ${merchantId} of a live membership is gone`);
  return row;
}

/** Only an owner grants, changes or takes away the owner role. */
function assertMayTouch(principal: DashboardPrincipal, ...roles: MembershipRole[]) {
  if (roles.includes('owner') && principal.role !== 'owner') {
    throw new KassaApiError({
      type: 'permission_error',
      code: 'owner_required',
      message: 'Only an owner can grant, change or remove the owner role.',
    });
  }
}

async function lockedMember(
  tx: Transaction,
  principal: DashboardPrincipal,
  id: string,
): Promise<MemberRow> {
  const { rows } = await tx.query<MemberRow>(
    `${MEMBER_SELECT} WHERE m.id = $1 AND m.merchant_id = $2 FOR UPDATE OF m`,
    [id, principal.merchantId],
  );
  const row = rows[0];
  if (!row) throw notFound('team_member', id);
  return row;
}

/** Refuses to take the owner role from the merchant's last owner. */
async function assertNotLastOwner(tx: Transaction, member: MemberRow, merchantId: string) {
  if (member.role !== 'owner') return;
  const { rows } = await tx.query<{ owners: number }>(
    `SELECT count(*)::int AS owners FROM memberships WHERE merchant_id = $1 AND role = 'owner'`,
    [merchantId],
  );
  if ((rows[0]?.owners ?? 0) <= 1) {
    throw invalidRequest(
      'last_owner',
      'A merchant needs an owner: make someone else owner first.',
      'id',
    );
  }
}

const memberId = idSchema('membership');
const role = z.enum(ROLES);

export const updateRoleInput = z.object({ id: memberId, role }).strict();
export const removeMemberInput = z.object({ id: memberId }).strict();
export const inviteInput = z.object({ email, role }).strict();
export const revokeInvitationInput = z.object({ id: idSchema('invitation') }).strict();

export async function updateRole(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof updateRoleInput>,
): Promise<TeamMemberView> {
  return withTransaction(pool, async (tx) => {
    await lockTeam(tx, principal.merchantId);
    const member = await lockedMember(tx, principal, input.id);
    assertMayTouch(principal, member.role, input.role);
    if (member.role === input.role) return memberView(member);
    await assertNotLastOwner(tx, member, principal.merchantId);
    await tx.query('UPDATE memberships SET role = $2 WHERE id = $1', [member.id, input.role]);
    return memberView({ ...member, role: input.role });
  });
}

/**
 * Takes a member off the team and ends every session of theirs (on every device, for every
 * merchant: they sign in again to reach the others). Their next request is refused.
 */
export async function removeMember(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof removeMemberInput>,
  now: Date,
): Promise<{ id: string; object: 'team_member'; deleted: true; sessions_ended: number }> {
  return withTransaction(pool, async (tx) => {
    await lockTeam(tx, principal.merchantId);
    const member = await lockedMember(tx, principal, input.id);
    assertMayTouch(principal, member.role);
    await assertNotLastOwner(tx, member, principal.merchantId);
    await tx.query('DELETE FROM memberships WHERE id = $1', [member.id]);
    return {
      id: member.id,
      object: 'team_member' as const,
      deleted: true as const,
      sessions_ended: await endSessions(tx, member.user_id, now),
    };
  });
}

/** The link an invitation's email carries: the token in the fragment (see link-tokens.ts). */
export const invitationLink = (dashboardUrl: string, token: string) =>
  `${dashboardUrl}/invitation#${token}`;

/**
 * Invites `email` to the team with `role`, by an emailed one-time link that works for 7 days.
 * Inviting someone with a pending invitation replaces it (the old link stops working): that is
 * how an invitation is sent again. The email is sent before the transaction commits, so an
 * invitation that could not be sent is not left pending.
 */
export async function invite(
  services: ApiServices,
  principal: DashboardPrincipal,
  inviter: { email: string; name: string | null },
  input: z.output<typeof inviteInput>,
): Promise<InvitationView> {
  assertMayTouch(principal, input.role);
  const now = services.clock.now();
  return withTransaction(services.db.pool, async (tx) => {
    const merchant = await lockTeam(tx, principal.merchantId);
    const { rows: members } = await tx.query(
      `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.merchant_id = $1 AND u.email = $2`,
      [principal.merchantId, input.email],
    );
    if (members.length > 0) {
      throw invalidRequest('already_member', `${input.email} is on the team already.`, 'email');
    }
    await tx.query(
      `UPDATE invitations SET revoked_at = $3
        WHERE merchant_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [principal.merchantId, input.email, now],
    );
    const { token, hash } = newLinkToken();
    const id = newId('invitation');
    const expiresAt = new Date(now.getTime() + INVITATION_LIFETIME_MS);
    await tx.query(
      `INSERT INTO invitations (id, merchant_id, email, role, token_hash, invited_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, principal.merchantId, input.email, input.role, hash, principal.userId, now, expiresAt],
    );
    const who = inviter.name ? `${inviter.name} (${inviter.email})` : inviter.email;
    await services.mailer.send({
      to: input.email,
      subject: `You are invited to join ${merchant.name} on Kassa`,
      text: [
        `${who} invited you to join ${merchant.name} on Kassa as ${article(input.role)} ${input.role}.`,
        '',
        'Accept the invitation here (the link works once, for 7 days):',
        invitationLink(services.dashboardUrl, token),
        '',
        'If you did not expect this invitation, ignore this email.',
      ].join('\n'),
    });
    return invitationView({
      id,
      email: input.email,
      role: input.role,
      created_at: now,
      expires_at: expiresAt,
      invited_by: inviter.email,
    });
  });
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** Withdraws a pending invitation: its link stops working. */
export async function revokeInvitation(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof revokeInvitationInput>,
  now: Date,
): Promise<InvitationView & { revoked: true }> {
  return withTransaction(pool, async (tx) => {
    await lockTeam(tx, principal.merchantId);
    const { rows } = await tx.query<InvitationRow>(
      `${INVITATION_SELECT} WHERE i.id = $1 AND i.merchant_id = $3 AND ${PENDING}`,
      [input.id, now, principal.merchantId],
    );
    const row = rows[0];
    if (!row) throw notFound('invitation', input.id);
    assertMayTouch(principal, row.role);
    await tx.query('UPDATE invitations SET revoked_at = $2 WHERE id = $1', [row.id, now]);
    return { ...invitationView(row), revoked: true as const };
  });
}

/**
 * An owner's rule that every member uses two-factor authentication: members without it are
 * refused this merchant's procedures (403 `two_factor_setup_required`) until they turn it on.
 * The owner turning it on must have it already, so the rule never locks its author out.
 */
export async function setRequireTwoFactor(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  required: boolean,
  ownTwoFactor: boolean,
): Promise<{ object: 'team_security'; require_two_factor: boolean }> {
  if (required && !ownTwoFactor) {
    throw invalidRequest(
      'two_factor_not_enabled',
      'Turn on two-factor authentication for yourself (Account) before requiring it of the team.',
      'required',
    );
  }
  await pool.query('UPDATE merchants SET require_two_factor = $2 WHERE id = $1', [
    principal.merchantId,
    required,
  ]);
  return { object: 'team_security', require_two_factor: required };
}
