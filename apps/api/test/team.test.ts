import { ManualClock } from '@kassa/contracts';
import type { FastifyInstance } from 'fastify';
import { encode } from 'next-auth/jwt';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  dashboardCaller,
  linkIn,
  startApi,
  startSmtpServer,
  TEST_SESSION_SECRET,
  useApiDatabase,
} from './support.ts';

// The team (invitations by emailed link, roles, removal), the owner's two-factor rule and
// password reset, through the API with its emails sent over SMTP to a real SMTP server.

const db = useApiDatabase();
const clock = new ManualClock(Date.UTC(2030, 2, 10, 9, 0, 0));
let app: FastifyInstance;
let base: string;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let call: ReturnType<typeof client>;

const PASSWORD = 'correct horse battery';

interface Issued {
  user: string;
  session: string;
  merchant?: string;
}
interface Team {
  members: Array<{ id: string; email: string; role: string; two_factor: boolean }>;
  invitations: Array<{ id: string; email: string; role: string }>;
  require_two_factor: boolean;
}

const cookieOf = async (issued: Issued) =>
  `next-auth.session-token=${await encode({
    token: { sub: issued.user, sid: issued.session },
    secret: TEST_SESSION_SECRET,
  })}`;

let shops = 0;
/** A new merchant and its owner, signed in: the owner's caller for that merchant. */
async function newShop() {
  shops += 1;
  const email = `owner${shops}@team.example`;
  const issued = await call<Issued>('auth.signUp', {
    email,
    password: PASSWORD,
    name: `Owner ${shops}`,
    business_name: `Team Shop ${shops}`,
  });
  expect(issued.status).toBe(200);
  const cookie = await cookieOf(issued.body);
  const merchant = issued.body.merchant as string;
  return {
    email,
    merchant,
    cookie,
    user: issued.body.user,
    as: dashboardCaller(base, cookie, merchant),
  };
}

/** Invites `email` as `role` and returns the link's token from the email that arrives. */
async function invited(owner: Awaited<ReturnType<typeof newShop>>, email: string, role: string) {
  const arriving = smtp.next(email);
  const response = await owner.as<{ id: string }>('team.invite', { email, role });
  expect(response.status, JSON.stringify(response.error)).toBe(200);
  const mail = await arriving;
  return { id: response.body.id, token: tokenOf(mail, 'invitation'), mail };
}

/** The token of the emailed link to the dashboard's `page` (it is in the link's fragment). */
const tokenOf = (mail: Parameters<typeof linkIn>[0], page: string) =>
  linkIn(mail, `http://127.0.0.1:3001/${page}#`).split('#')[1] as string;

beforeAll(async () => {
  smtp = await startSmtpServer();
  ({ app, base } = await startApi(db.current, {}, { clock, smtpUrl: smtp.url }));
  call = client(base);
});

afterAll(async () => {
  await app.close();
  await smtp.close();
});

describe('invitations', () => {
  it('emails a one-time link; a new person accepts it with a name and password, signed in with the role', async () => {
    const owner = await newShop();
    const { token, mail } = await invited(owner, 'New.Analyst@Team.example', 'analyst');
    expect(mail.subject).toBe('You are invited to join Team Shop 1 on Kassa');
    expect(mail.text).toContain('Owner 1 (owner1@team.example) invited you');
    expect(mail.text).toContain('as an analyst');
    // Only the token's hash is stored: the database holds no working link.
    const { rows } = await db.current.pool.query('SELECT token_hash FROM invitations');
    expect(JSON.stringify(rows)).not.toContain(token);

    const described = await call('auth.invitation', { token }, { query: true });
    expect(described.body).toMatchObject({
      merchant_name: 'Team Shop 1',
      email: 'new.analyst@team.example',
      role: 'analyst',
      account_exists: false,
    });
    const pending = await owner.as<Team>('team.list', {}, { query: true });
    expect(pending.body.invitations).toMatchObject([
      { email: 'new.analyst@team.example', role: 'analyst' },
    ]);

    expect(
      (await call('auth.acceptInvitation', { token, password: 'short', name: 'Ana' })).error,
    ).toMatchObject({ code: 'parameter_invalid', param: 'password' });
    expect(
      (await call('auth.acceptInvitation', { token, password: PASSWORD })).error,
    ).toMatchObject({ code: 'parameter_missing', param: 'name' });
    const accepted = await call<Issued>('auth.acceptInvitation', {
      token,
      password: PASSWORD,
      name: 'Ana Lyst',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.merchant).toBe(owner.merchant);
    const analyst = dashboardCaller(base, await cookieOf(accepted.body), owner.merchant);
    expect((await analyst('paymentIntents.list', {}, { query: true })).status).toBe(200);
    expect(
      (await analyst('team.invite', { email: 'x@team.example', role: 'analyst' })).error,
    ).toMatchObject({ code: 'role_insufficient' });

    // Spent: a second use, or a look at it, finds nothing.
    const again = await call('auth.acceptInvitation', { token, password: PASSWORD, name: 'Ana' });
    expect(again.status).toBe(404);
    expect(again.error).toMatchObject({ code: 'invitation_invalid', param: 'token' });
    const team = await owner.as<Team>('team.list', {}, { query: true });
    expect(team.body.invitations).toEqual([]);
    expect(team.body.members.map((m) => [m.email, m.role])).toEqual([
      ['owner1@team.example', 'owner'],
      ['new.analyst@team.example', 'analyst'],
    ]);
    // The audit log has the invitation and its acceptance.
    const { rows: audit } = await db.current.pool.query(
      `SELECT action, outcome, actor FROM audit_log WHERE merchant_id = $1 ORDER BY id`,
      [owner.merchant],
    );
    expect(audit).toEqual([
      { action: 'dashboard.team.invite', outcome: 'success', actor: `user:${owner.user}` },
      { action: 'auth.acceptInvitation', outcome: 'success', actor: `user:${accepted.body.user}` },
      { action: 'dashboard.team.invite', outcome: 'failure', actor: `user:${accepted.body.user}` },
    ]);
  });

  it('someone with an account accepts with its password (and second factor), not without', async () => {
    const first = await newShop();
    const second = await newShop();
    const { token } = await invited(second, first.email, 'developer');
    expect((await call('auth.invitation', { token }, { query: true })).body).toMatchObject({
      account_exists: true,
    });
    const wrong = await call('auth.acceptInvitation', { token, password: 'not the password!' });
    expect(wrong.error).toMatchObject({ code: 'credentials_invalid' });
    const accepted = await call<Issued>('auth.acceptInvitation', { token, password: PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toBe(first.user);
    const session = await call<{ memberships: Array<{ merchant: string; role: string }> }>(
      'dashboard.session',
      {},
      { query: true, headers: { cookie: await cookieOf(accepted.body) } },
    );
    // (Both joined at the same moment of the test's clock: in either order.)
    expect(session.body.memberships).toHaveLength(2);
    expect(session.body.memberships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ merchant: first.merchant, role: 'owner' }),
        expect.objectContaining({ merchant: second.merchant, role: 'developer' }),
      ]),
    );
    expect(
      (await second.as('team.invite', { email: first.email, role: 'analyst' })).error,
    ).toMatchObject({ code: 'already_member', param: 'email' });
  });

  it('inviting again replaces the link; a withdrawn or expired link does not work', async () => {
    const owner = await newShop();
    const old = await invited(owner, 'twice@team.example', 'support');
    const fresh = await invited(owner, 'twice@team.example', 'support');
    expect((await call('auth.invitation', { token: old.token }, { query: true })).status).toBe(404);
    expect((await call('auth.invitation', { token: fresh.token }, { query: true })).status).toBe(
      200,
    );

    expect((await owner.as('team.revokeInvitation', { id: fresh.id })).status).toBe(200);
    expect((await call('auth.invitation', { token: fresh.token }, { query: true })).status).toBe(
      404,
    );
    expect((await owner.as('team.revokeInvitation', { id: fresh.id })).status).toBe(404);

    const later = await invited(owner, 'late@team.example', 'support');
    clock.advance(7 * 24 * 3_600_000 + 1);
    const expired = await call('auth.acceptInvitation', {
      token: later.token,
      password: PASSWORD,
      name: 'Late',
    });
    expect(expired.error).toMatchObject({ code: 'invitation_invalid' });
    // Another merchant's invitation is not found.
    const stranger = await newShop();
    expect((await stranger.as('team.revokeInvitation', { id: later.id })).status).toBe(404);
    expect(
      (await call('auth.invitation', { token: 'not-a-token' }, { query: true })).error,
    ).toMatchObject({ code: 'parameter_invalid', param: 'token' });
  });

  it('two tabs accepting one link at once make one account and one membership', async () => {
    const owner = await newShop();
    const { token } = await invited(owner, 'race@team.example', 'analyst');
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        call('auth.acceptInvitation', { token, password: PASSWORD, name: 'Racer' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404]);
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE u.email = 'race@team.example'`,
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('roles and removal', () => {
  it('only owners touch the owner role; the last owner stays; admins manage the rest', async () => {
    const owner = await newShop();
    const adminInvite = await invited(owner, 'admin@team.example', 'admin');
    const admin = await call<Issued>('auth.acceptInvitation', {
      token: adminInvite.token,
      password: PASSWORD,
      name: 'Ad Min',
    });
    const asAdmin = dashboardCaller(base, await cookieOf(admin.body), owner.merchant);
    const team = (await owner.as<Team>('team.list', {}, { query: true })).body;
    const ownerMember = team.members.find((m) => m.role === 'owner')?.id as string;
    const adminMember = team.members.find((m) => m.role === 'admin')?.id as string;

    expect(
      (await asAdmin('team.invite', { email: 'o@team.example', role: 'owner' })).error,
    ).toMatchObject({ code: 'owner_required' });
    expect(
      (await asAdmin('team.updateRole', { id: ownerMember, role: 'analyst' })).error,
    ).toMatchObject({ code: 'owner_required' });
    expect(
      (await asAdmin('team.updateRole', { id: adminMember, role: 'owner' })).error,
    ).toMatchObject({ code: 'owner_required' });
    expect((await asAdmin('team.remove', { id: ownerMember })).error).toMatchObject({
      code: 'owner_required',
    });
    expect((await asAdmin('team.requireTwoFactor', { required: false })).error).toMatchObject({
      code: 'role_insufficient',
    });
    // An admin invites and manages the roles below owner.
    expect(
      (await asAdmin('team.invite', { email: 'dev@team.example', role: 'developer' })).status,
    ).toBe(200);
    await smtp.next('dev@team.example');

    expect(
      (await owner.as('team.updateRole', { id: ownerMember, role: 'admin' })).error,
    ).toMatchObject({ code: 'last_owner', param: 'id' });
    expect((await owner.as('team.remove', { id: ownerMember })).error).toMatchObject({
      code: 'last_owner',
    });
    expect(
      (await owner.as('team.updateRole', { id: 'mbr_000000000000000000000000', role: 'admin' }))
        .status,
    ).toBe(404);
    // Someone else's member, by id, is not found.
    const stranger = await newShop();
    expect(
      (await stranger.as('team.updateRole', { id: adminMember, role: 'analyst' })).status,
    ).toBe(404);
  });

  it('two owners demoting each other at the same moment leave the merchant one owner', async () => {
    const owner = await newShop();
    const coInvite = await invited(owner, 'co-owner@team.example', 'owner');
    const co = await call<Issued>('auth.acceptInvitation', {
      token: coInvite.token,
      password: PASSWORD,
      name: 'Co Owner',
    });
    const asCo = dashboardCaller(base, await cookieOf(co.body), owner.merchant);
    const team = (await owner.as<Team>('team.list', {}, { query: true })).body;
    const [a, b] = team.members.map((m) => m.id) as [string, string];
    const answers = await Promise.all([
      owner.as('team.updateRole', { id: b, role: 'admin' }),
      asCo('team.updateRole', { id: a, role: 'admin' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS owners FROM memberships WHERE merchant_id = $1 AND role = 'owner'`,
      [owner.merchant],
    );
    expect(rows[0].owners).toBe(1);
  });

  it('removing a member ends their sessions at once: the next request is refused', async () => {
    const owner = await newShop();
    const other = await newShop();
    const { token } = await invited(owner, other.email, 'support');
    const accepted = await call<Issued>('auth.acceptInvitation', { token, password: PASSWORD });
    const member = dashboardCaller(base, await cookieOf(accepted.body), owner.merchant);
    expect((await member('paymentIntents.list', {}, { query: true })).status).toBe(200);
    const team = (await owner.as<Team>('team.list', {}, { query: true })).body;
    const id = team.members.find((m) => m.email === other.email)?.id;
    const removed = await owner.as('team.remove', { id });
    expect(removed.body).toMatchObject({ id, deleted: true, sessions_ended: 2 });
    const after = await member('paymentIntents.list', {}, { query: true });
    expect(after.status).toBe(401);
    expect(after.error).toMatchObject({ code: 'session_invalid' });
    // Every session of theirs ended, the one of their own merchant too: they sign in again.
    expect((await other.as('paymentIntents.list', {}, { query: true })).status).toBe(401);
  });
});

describe('the team two-factor rule', () => {
  const codeAt = (secret: string, at = clock.now()) =>
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
      timestamp: at.getTime(),
    });

  it('an owner with two-factor requires it; members without it are refused until they turn it on', async () => {
    const owner = await newShop();
    expect((await owner.as('team.requireTwoFactor', { required: true })).error).toMatchObject({
      code: 'two_factor_not_enabled',
      param: 'required',
    });
    const headers = { cookie: owner.cookie };
    const begun = await call<{ secret: string }>('dashboard.twoFactor.begin', {}, { headers });
    expect(
      (await call('dashboard.twoFactor.enable', { code: codeAt(begun.body.secret) }, { headers }))
        .status,
    ).toBe(200);
    expect((await owner.as('team.requireTwoFactor', { required: true })).status).toBe(200);

    const { token } = await invited(owner, 'no2fa@team.example', 'developer');
    const accepted = await call<Issued>('auth.acceptInvitation', {
      token,
      password: PASSWORD,
      name: 'No Factor',
    });
    const cookie = await cookieOf(accepted.body);
    const member = dashboardCaller(base, cookie, owner.merchant);
    const refused = await member('paymentIntents.list', {}, { query: true });
    expect(refused.status).toBe(403);
    expect(refused.error).toMatchObject({ code: 'two_factor_setup_required' });
    // Their own account stays reachable, so they can turn it on.
    const session = await call<{ memberships: Array<{ require_two_factor: boolean }> }>(
      'dashboard.session',
      {},
      { query: true, headers: { cookie } },
    );
    expect(session.body.memberships).toMatchObject([{ require_two_factor: true }]);
    const theirs = await call<{ secret: string }>(
      'dashboard.twoFactor.begin',
      {},
      { headers: { cookie } },
    );
    await call(
      'dashboard.twoFactor.enable',
      { code: codeAt(theirs.body.secret) },
      { headers: { cookie } },
    );
    expect((await member('paymentIntents.list', {}, { query: true })).status).toBe(200);
    const team = (await owner.as<Team>('team.list', {}, { query: true })).body;
    expect(team.require_two_factor).toBe(true);
    expect(team.members.map((m) => m.two_factor)).toEqual([true, true]);
  });
});

describe('password reset', () => {
  it('emails a one-time link; the new password works, the old one and every session do not', async () => {
    const owner = await newShop();
    const arriving = smtp.next(owner.email);
    const asked = await call('auth.requestPasswordReset', { email: owner.email.toUpperCase() });
    expect(asked.body).toEqual({ object: 'password_reset_request', email: owner.email });
    const mail = await arriving;
    expect(mail.subject).toBe('Reset your Kassa password');
    const token = tokenOf(mail, 'reset-password');

    // An email without an account gets the same answer, and nothing is made or sent.
    const unknown = await call('auth.requestPasswordReset', { email: 'nobody@team.example' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({
      object: 'password_reset_request',
      email: 'nobody@team.example',
    });

    expect((await call('auth.resetPassword', { token, password: 'short' })).error).toMatchObject({
      code: 'parameter_invalid',
      param: 'password',
    });
    const reset = await call('auth.resetPassword', { token, password: 'a brand new passphrase' });
    expect(reset.body).toEqual({ object: 'password_reset', user: owner.user, sessions_ended: 1 });
    expect((await owner.as('paymentIntents.list', {}, { query: true })).status).toBe(401);
    expect(
      (await call('auth.signIn', { email: owner.email, password: PASSWORD })).error,
    ).toMatchObject({ code: 'credentials_invalid' });
    expect(
      (await call('auth.signIn', { email: owner.email, password: 'a brand new passphrase' }))
        .status,
    ).toBe(200);
    const reused = await call('auth.resetPassword', { token, password: 'yet another passphrase' });
    expect(reused.status).toBe(404);
    expect(reused.error).toMatchObject({ code: 'reset_link_invalid', param: 'token' });
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM password_resets r JOIN users u ON u.id = r.user_id
        WHERE u.email = 'nobody@team.example'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('lifts a lockout; at most three links an hour; a link expires after an hour', async () => {
    const owner = await newShop();
    // Locked as ten wrong passwords lock it (sign-in.test.ts makes them; each costs a scrypt).
    await db.current.pool.query(
      `UPDATE users SET failed_sign_ins = 10, locked_until = $2 WHERE id = $1`,
      [owner.user, new Date(clock.now().getTime() + 30 * 60 * 1000)],
    );
    expect(
      (await call('auth.signIn', { email: owner.email, password: PASSWORD })).error,
    ).toMatchObject({ code: 'account_locked' });
    for (let i = 0; i < 4; i += 1) {
      expect((await call('auth.requestPasswordReset', { email: owner.email })).status).toBe(200);
    }
    const tokens: string[] = [];
    for (let i = 0; i < 3; i += 1)
      tokens.push(tokenOf(await smtp.next(owner.email), 'reset-password'));
    const count = async () =>
      (
        await db.current.pool.query(
          'SELECT count(*)::int AS n FROM password_resets WHERE user_id = $1',
          [owner.user],
        )
      ).rows[0].n;
    expect(await count()).toBe(3);

    // Within the lockout's 30 minutes: the reset lifts it, and spends the other links.
    expect(
      (await call('auth.resetPassword', { token: tokens[0], password: 'a brand new passphrase' }))
        .status,
    ).toBe(200);
    expect(
      (await call('auth.signIn', { email: owner.email, password: 'a brand new passphrase' }))
        .status,
    ).toBe(200);
    expect(
      (await call('auth.resetPassword', { token: tokens[1], password: 'another passphrase!' }))
        .error,
    ).toMatchObject({ code: 'reset_link_invalid' });

    // An hour on, links can be asked for again; each works for an hour.
    clock.advance(60 * 60 * 1000 + 1);
    const arriving = smtp.next(owner.email);
    await call('auth.requestPasswordReset', { email: owner.email });
    const token = tokenOf(await arriving, 'reset-password');
    expect(await count()).toBe(4);
    clock.advance(60 * 60 * 1000 + 1);
    expect(
      (await call('auth.resetPassword', { token, password: 'another passphrase!' })).error,
    ).toMatchObject({ code: 'reset_link_invalid' });
  });
});
