import { LOCKOUT_MS, MAX_FAILED_SIGN_INS, SESSION_IDLE_MS, verifyPassword } from '@kassa/api';
import { ManualClock } from '@kassa/contracts';
import type { FastifyInstance } from 'fastify';
import { encode } from 'next-auth/jwt';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startApi, TEST_SESSION_SECRET, useApiDatabase } from './support.ts';

// Dashboard sign-up, sign-in and sessions through the API, as the dashboard's next-auth
// credentials provider calls them, on a clock the test moves (idle timeout, expiry, lockout).

const db = useApiDatabase();
const clock = new ManualClock(Date.UTC(2030, 0, 15, 9, 0, 0));
let app: FastifyInstance;
let base: string;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  ({ app, base } = await startApi(db.current, {}, { clock }));
  call = client(base);
});

afterAll(async () => {
  await app.close();
});

interface Issued {
  user: string;
  session: string;
  expires_at: number;
  merchant?: string;
}

/** The cookie the dashboard makes of an issued session (next-auth's encode, `sub` and `sid`). */
const cookieOf = async (issued: Issued) =>
  `next-auth.session-token=${await encode({
    token: { sub: issued.user, sid: issued.session },
    secret: TEST_SESSION_SECRET,
  })}`;

const whoAmI = async (cookie: string) =>
  call<{ user: { email: string } }>('dashboard.session', {}, { query: true, headers: { cookie } });

let counter = 0;
const signUp = (overrides: Record<string, unknown> = {}) => {
  counter += 1;
  return call<Issued>('auth.signUp', {
    email: `Owner${counter}@Example.com`,
    password: 'correct horse battery',
    name: 'Ada Owner',
    business_name: `Shop ${counter}`,
    ...overrides,
  });
};

describe('sign-up', () => {
  it('creates a merchant and its owner, signed in, with only a scrypt hash of the password', async () => {
    const response = await signUp({ email: '  New.Owner@Example.COM ' });
    expect(response.status).toBe(200);
    const issued = response.body;
    expect(issued.user).toMatch(/^usr_/);
    expect(issued.session).toMatch(/^dss_/);
    expect(issued.merchant).toMatch(/^mch_/);
    expect(issued.expires_at).toBe(clock.now().getTime() / 1000 + 12 * 3600);

    const session = await call<{
      user: { email: string };
      memberships: Array<{ merchant: string; role: string; merchant_name: string }>;
    }>('dashboard.session', {}, { query: true, headers: { cookie: await cookieOf(issued) } });
    expect(session.body.user.email).toBe('new.owner@example.com');
    expect(session.body.memberships).toEqual([
      {
        merchant: issued.merchant,
        merchant_name: expect.stringMatching(/^Shop /),
        role: 'owner',
        require_two_factor: false,
      },
    ]);

    const { rows } = await db.current.pool.query('SELECT password_hash FROM users WHERE id = $1', [
      issued.user,
    ]);
    expect(rows[0].password_hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    expect(rows[0].password_hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', rows[0].password_hash)).toBe(true);
  });

  it('refuses a short password, a bad email and unknown fields, naming the parameter', async () => {
    for (const [input, param] of [
      [{ password: 'short' }, 'password'],
      [{ email: 'not-an-email' }, 'email'],
      [{ business_name: '' }, 'business_name'],
      [{ role: 'owner' }, undefined],
    ] as const) {
      const response = await signUp(input);
      expect(response.status, JSON.stringify(input)).toBe(400);
      expect(response.error).toMatchObject({ code: 'parameter_invalid' });
      if (param) expect(response.error?.param).toBe(param);
    }
  });

  it('lets one of several concurrent sign-ups with the same email win, and leaves no stray merchant', async () => {
    const merchantsBefore = await db.current.pool.query('SELECT count(*)::int AS n FROM merchants');
    const email = 'race@example.com';
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => signUp({ email, business_name: `Race ${i}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400, 400]);
    for (const refused of answers.filter((a) => a.status === 400)) {
      expect(refused.error).toMatchObject({ code: 'email_taken', param: 'email' });
    }
    const merchantsAfter = await db.current.pool.query('SELECT count(*)::int AS n FROM merchants');
    expect(merchantsAfter.rows[0].n).toBe(merchantsBefore.rows[0].n + 1);
  });
});

describe('sign-in', () => {
  it('opens a session with the right password; a wrong one and an unknown email get the same error', async () => {
    await signUp({ email: 'signin@example.com' });
    const right = await call<Issued>('auth.signIn', {
      email: 'SignIn@example.com',
      password: 'correct horse battery',
    });
    expect(right.status).toBe(200);
    expect((await whoAmI(await cookieOf(right.body))).body.user.email).toBe('signin@example.com');

    const wrong = await call('auth.signIn', { email: 'signin@example.com', password: 'wrong' });
    const unknown = await call('auth.signIn', {
      email: 'nobody@example.com',
      password: 'correct horse battery',
    });
    for (const refused of [wrong, unknown]) {
      expect(refused.status).toBe(401);
      expect(refused.error).toMatchObject({
        type: 'authentication_error',
        code: 'credentials_invalid',
        message: 'The email or password is not right.',
      });
    }
  });

  it(`locks the account after ${MAX_FAILED_SIGN_INS} wrong passwords, concurrent ones counted, for ${LOCKOUT_MS / 60_000} minutes`, async () => {
    await signUp({ email: 'locked@example.com' });
    const guesses = await Promise.all(
      Array.from({ length: MAX_FAILED_SIGN_INS }, (_, i) =>
        call('auth.signIn', { email: 'locked@example.com', password: `guess number ${i}` }),
      ),
    );
    expect(guesses.every((g) => g.status === 401)).toBe(true);
    const right = { email: 'locked@example.com', password: 'correct horse battery' };
    const locked = await call('auth.signIn', right);
    expect(locked.status).toBe(429);
    expect(locked.error).toMatchObject({ type: 'rate_limit_error', code: 'account_locked' });

    clock.advance(LOCKOUT_MS - 1_000);
    expect((await call('auth.signIn', right)).status).toBe(429);
    clock.advance(1_000);
    expect((await call('auth.signIn', right)).status).toBe(200);
    const { rows } = await db.current.pool.query(
      'SELECT failed_sign_ins, locked_until FROM users WHERE email = $1',
      ['locked@example.com'],
    );
    expect(rows[0]).toEqual({ failed_sign_ins: 0, locked_until: null });
  });
});

describe('sessions', () => {
  it('signing out ends that session on its next request, and only that one', async () => {
    const first = (await signUp()).body;
    const email = (
      await db.current.pool.query('SELECT email FROM users WHERE id = $1', [first.user])
    ).rows[0].email as string;
    const second = (await call<Issued>('auth.signIn', { email, password: 'correct horse battery' }))
      .body;
    const [cookieA, cookieB] = [await cookieOf(first), await cookieOf(second)];

    const out = await call('dashboard.signOut', {}, { headers: { cookie: cookieA } });
    expect(out.body).toEqual({ revoked: 1 });
    expect((await whoAmI(cookieA)).error).toMatchObject({ code: 'session_invalid' });
    expect((await whoAmI(cookieB)).status).toBe(200);
  });

  it('lists the live sessions of the user, and ends one of them; never another user’s', async () => {
    const first = (await signUp()).body;
    const email = (
      await db.current.pool.query('SELECT email FROM users WHERE id = $1', [first.user])
    ).rows[0].email as string;
    const second = (
      await call<Issued>(
        'auth.signIn',
        { email, password: 'correct horse battery' },
        { headers: { 'user-agent': 'Phone browser/1.0' } },
      )
    ).body;
    const [cookieA, cookieB] = [await cookieOf(first), await cookieOf(second)];
    const listed = await call<{
      data: Array<{ id: string; current: boolean; user_agent: string | null; ip: string | null }>;
    }>('dashboard.sessions.list', {}, { query: true, headers: { cookie: cookieA } });
    expect(listed.body.data.map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [first.session, true],
        [second.session, false],
      ].sort(),
    );
    expect(listed.body.data.find((s) => s.id === second.session)).toMatchObject({
      user_agent: 'Phone browser/1.0',
      ip: '127.0.0.1',
    });
    // Someone else's session is not found, and stays live.
    const stranger = (await signUp()).body;
    const theirs = await call(
      'dashboard.sessions.revoke',
      { id: stranger.session },
      { headers: { cookie: cookieA } },
    );
    expect(theirs.status).toBe(404);
    expect((await whoAmI(await cookieOf(stranger))).status).toBe(200);

    const ended = await call(
      'dashboard.sessions.revoke',
      { id: second.session },
      { headers: { cookie: cookieA } },
    );
    expect(ended.body).toEqual({ id: second.session, object: 'dashboard_session', revoked: true });
    expect((await whoAmI(cookieB)).error).toMatchObject({ code: 'session_invalid' });
    expect((await whoAmI(cookieA)).status).toBe(200);
    const after = await call<{ data: unknown[] }>(
      'dashboard.sessions.list',
      {},
      { query: true, headers: { cookie: cookieA } },
    );
    expect(after.body.data).toHaveLength(1);
  });

  it('signing out everywhere ends every session of the user at once', async () => {
    const first = (await signUp()).body;
    const email = (
      await db.current.pool.query('SELECT email FROM users WHERE id = $1', [first.user])
    ).rows[0].email as string;
    const others = await Promise.all(
      [1, 2].map(() => call<Issued>('auth.signIn', { email, password: 'correct horse battery' })),
    );
    const cookies = [
      await cookieOf(first),
      ...(await Promise.all(others.map((o) => cookieOf(o.body)))),
    ];
    const out = await call(
      'dashboard.signOut',
      { everywhere: true },
      { headers: { cookie: cookies[1] as string } },
    );
    expect(out.body).toEqual({ revoked: 3 });
    for (const cookie of cookies) expect((await whoAmI(cookie)).status).toBe(401);
  });

  it(`ends a session idle for ${SESSION_IDLE_MS / 60_000} minutes; use keeps it alive until its expiry`, async () => {
    const issued = (await signUp()).body;
    const cookie = await cookieOf(issued);
    // Used every 10 minutes: alive past the idle limit, up to its 12-hour expiry.
    for (let minutes = 10; minutes < 12 * 60; minutes += 10) {
      clock.advance(10 * 60_000);
      expect((await whoAmI(cookie)).status, `after ${minutes} minutes`).toBe(200);
    }
    clock.set(issued.expires_at * 1000);
    expect((await whoAmI(cookie)).error).toMatchObject({ code: 'session_invalid' });

    const idle = (await signUp()).body;
    const idleCookie = await cookieOf(idle);
    clock.advance(SESSION_IDLE_MS - 1_000);
    expect((await whoAmI(idleCookie)).status).toBe(200);
    clock.advance(SESSION_IDLE_MS + 1_000);
    expect((await whoAmI(idleCookie)).error).toMatchObject({ code: 'session_invalid' });
  });

  it("a session of one user does not work for another user's id", async () => {
    const a = (await signUp()).body;
    const b = (await signUp()).body;
    const swapped = await cookieOf({ ...a, session: b.session });
    expect((await whoAmI(swapped)).error).toMatchObject({ code: 'session_invalid' });
  });
});

describe('sign-in activity', () => {
  it('records every attempt, refused ones too, never the password; the user sees their own', async () => {
    const issued = (await signUp({ email: 'activity@example.com' })).body;
    const headers = { 'user-agent': 'Activity test/1.0' };
    await call(
      'auth.signIn',
      { email: 'activity@example.com', password: 'not the right one' },
      { headers },
    );
    await call(
      'auth.signIn',
      { email: 'Activity@Example.com', password: 'correct horse battery' },
      { headers },
    );
    const activity = await call<{
      data: Array<{ action: string; outcome: string; error_code: string | null; origin: string }>;
    }>(
      'dashboard.authEvents.list',
      {},
      { query: true, headers: { cookie: await cookieOf(issued) } },
    );
    expect(activity.body.data.map((e) => [e.action, e.outcome, e.error_code])).toEqual([
      ['auth.signIn', 'success', null],
      ['auth.signIn', 'failure', 'credentials_invalid'],
      ['auth.signUp', 'success', null],
    ]);
    expect(activity.body.data[0]?.origin).toBe('127.0.0.1');
    const { rows } = await db.current.pool.query('SELECT * FROM auth_events');
    expect(JSON.stringify(rows)).not.toMatch(/correct horse|not the right one/);
    // Another user sees none of it.
    const other = (await signUp()).body;
    const theirs = await call<{ data: unknown[] }>(
      'dashboard.authEvents.list',
      {},
      { query: true, headers: { cookie: await cookieOf(other) } },
    );
    expect(theirs.body.data).toHaveLength(1);
    // Append-only, like the audit log.
    await expect(db.current.pool.query('DELETE FROM auth_events')).rejects.toThrow(/append-only/);
    await expect(
      db.current.pool.query(`UPDATE auth_events SET outcome = 'success'`),
    ).rejects.toThrow(/append-only/);
  });
});

describe('two-factor authentication', () => {
  /** The code an authenticator app shows for `secret` at the API's clock. */
  const codeAt = (secret: string, at = clock.now()) =>
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
      timestamp: at.getTime(),
    });

  it('turns on with a first code, then sign-in needs a code; each code and recovery code works once', async () => {
    await signUp({ email: 'twofactor@example.com' });
    const right = { email: 'twofactor@example.com', password: 'correct horse battery' };
    const first = await call<Issued>('auth.signIn', right);
    const cookie = await cookieOf(first.body);
    const headers = { cookie };

    const begun = await call<{ secret: string; uri: string }>(
      'dashboard.twoFactor.begin',
      {},
      { headers },
    );
    expect(begun.body.uri).toMatch(/^otpauth:\/\/totp\/Kassa:twofactor%40example\.com\?/);
    expect(
      (await call('dashboard.twoFactor.enable', { code: '000000' }, { headers })).error,
    ).toMatchObject({
      code: 'two_factor_invalid',
    });
    const enabled = await call<{ recovery_codes: string[] }>(
      'dashboard.twoFactor.enable',
      { code: codeAt(begun.body.secret) },
      { headers },
    );
    expect(enabled.status).toBe(200);
    expect(enabled.body.recovery_codes).toHaveLength(10);
    expect(new Set(enabled.body.recovery_codes).size).toBe(10);
    const { rows } = await db.current.pool.query(
      'SELECT totp_secret, code_hash FROM users u JOIN recovery_codes r ON r.user_id = u.id WHERE u.id = $1',
      [first.body.user],
    );
    // Neither the secret nor a recovery code is stored as it is.
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row.totp_secret.toString('latin1')).not.toContain(begun.body.secret);
      expect(enabled.body.recovery_codes).not.toContain(row.code_hash);
    }

    const noCode = await call('auth.signIn', right);
    expect(noCode.status).toBe(401);
    expect(noCode.error).toMatchObject({ code: 'two_factor_required', param: 'code' });
    // The code that turned it on was used: not again, even within its 30 seconds.
    const replayed = await call('auth.signIn', { ...right, code: codeAt(begun.body.secret) });
    expect(replayed.error).toMatchObject({ code: 'two_factor_invalid' });

    clock.advance(30_000);
    const code = codeAt(begun.body.secret);
    // Two sign-ins with the same code at once: one gets in.
    const both = await Promise.all(
      [1, 2].map(() => call<Issued>('auth.signIn', { ...right, code })),
    );
    expect(both.map((b) => b.status).sort()).toEqual([200, 401]);

    const recovery = enabled.body.recovery_codes[0] as string;
    const withRecovery = await call<Issued>('auth.signIn', {
      ...right,
      code: recovery.toUpperCase(),
    });
    expect(withRecovery.status).toBe(200);
    expect((await call('auth.signIn', { ...right, code: recovery })).error).toMatchObject({
      code: 'two_factor_invalid',
    });
    const status = await call<{ enabled: boolean; recovery_codes_left: number }>(
      'dashboard.twoFactor.status',
      {},
      { query: true, headers: { cookie: await cookieOf(withRecovery.body) } },
    );
    expect(status.body).toMatchObject({ enabled: true, recovery_codes_left: 9 });

    // Turning it off takes a current code too.
    clock.advance(30_000);
    const later = { cookie: await cookieOf(withRecovery.body) };
    expect(
      (await call('dashboard.twoFactor.disable', { code: '123456' }, { headers: later })).status,
    ).toBe(401);
    const off = await call(
      'dashboard.twoFactor.disable',
      { code: codeAt(begun.body.secret) },
      { headers: later },
    );
    expect(off.body).toEqual({ enabled: false });
    expect((await call('auth.signIn', right)).status).toBe(200);
  });

  it('counts wrong codes towards the lockout', async () => {
    await signUp({ email: 'guesser@example.com' });
    const right = { email: 'guesser@example.com', password: 'correct horse battery' };
    const first = await call<Issued>('auth.signIn', right);
    const headers = { cookie: await cookieOf(first.body) };
    const begun = await call<{ secret: string }>('dashboard.twoFactor.begin', {}, { headers });
    await call('dashboard.twoFactor.enable', { code: codeAt(begun.body.secret) }, { headers });
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i += 1) {
      expect((await call('auth.signIn', { ...right, code: 'aaaaa-bbbbb' })).status).toBe(401);
    }
    clock.advance(30_000);
    const locked = await call('auth.signIn', { ...right, code: codeAt(begun.body.secret) });
    expect(locked.error).toMatchObject({ code: 'account_locked' });
  });

  it('makes new recovery codes with a code; the old ones stop working', async () => {
    await signUp({ email: 'regenerate@example.com' });
    const right = { email: 'regenerate@example.com', password: 'correct horse battery' };
    const first = await call<Issued>('auth.signIn', right);
    const headers = { cookie: await cookieOf(first.body) };
    const begun = await call<{ secret: string }>('dashboard.twoFactor.begin', {}, { headers });
    const enabled = await call<{ recovery_codes: string[] }>(
      'dashboard.twoFactor.enable',
      { code: codeAt(begun.body.secret) },
      { headers },
    );
    const [spent, unused] = enabled.body.recovery_codes as [string, string];
    expect(
      (await call('dashboard.twoFactor.regenerateRecoveryCodes', { code: '000000' }, { headers }))
        .error,
    ).toMatchObject({ code: 'two_factor_invalid' });
    const fresh = await call<{ recovery_codes: string[] }>(
      'dashboard.twoFactor.regenerateRecoveryCodes',
      { code: spent },
      { headers },
    );
    expect(fresh.body.recovery_codes).toHaveLength(10);
    expect(fresh.body.recovery_codes).not.toContain(unused);
    expect((await call('auth.signIn', { ...right, code: unused })).status).toBe(401);
    expect(
      (await call('auth.signIn', { ...right, code: fresh.body.recovery_codes[0] })).status,
    ).toBe(200);
  });
});
