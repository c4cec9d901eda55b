import { ManualClock } from '@kassa/contracts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  client,
  dashboardUser,
  newMerchant,
  sessionCookie,
  startApi,
  useApiDatabase,
} from './support.ts';

// API keys from the dashboard: created (shown once), listed (never shown again), rolled (the old
// key works until its expiry), revoked (at once), per merchant and per mode.

const db = useApiDatabase();
const clock = new ManualClock(Date.UTC(2030, 5, 1, 12, 0, 0));
let app: FastifyInstance;
let base: string;
let shop: Awaited<ReturnType<typeof newMerchant>>;
let other: Awaited<ReturnType<typeof newMerchant>>;
let owner: { id: string; cookie: string };

interface KeyView {
  id: string;
  type: string;
  livemode: boolean;
  redacted: string;
  expires_at: number | null;
  revoked: boolean;
  last_used: number | null;
  secret?: string;
  rolled?: KeyView;
}

beforeAll(async () => {
  ({ app, base } = await startApi(db.current, {}, { clock }));
  shop = await newMerchant(db.current);
  other = await newMerchant(db.current);
  owner = await dashboardUser(
    db.current,
    'keys-owner@example.com',
    [[shop.merchantId, 'owner']],
    clock.now(),
  );
});
afterAll(async () => {
  await app.close();
});
// The tests move the clock by hours: a session idle that long has ended, so each signs in anew.
const signIn = async () => {
  owner.cookie = await sessionCookie(db.current, owner.id, { now: clock.now() });
};
beforeEach(signIn);

const dash = (mode: 'test' | 'live' = 'test') => {
  const headers = { cookie: owner.cookie, 'kassa-merchant': shop.merchantId, 'kassa-mode': mode };
  return <T = KeyView>(path: string, input: unknown, query = false) =>
    client(base)<T>(`dashboard.apiKeys.${path}`, input, { query, headers });
};

/** Whether the API accepts `key` now (a merchant call with it). */
const works = async (key: string) =>
  (await client(base, key)('paymentIntents.list', {}, { query: true })).status === 200;

describe('API keys from the dashboard', () => {
  it('creates a key shown once; the list shows only its first characters; it works at once', async () => {
    const created = await dash()('create', { name: 'Checkout server' });
    expect(created.status).toBe(200);
    const key = created.body.secret as string;
    expect(key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(created.body).toMatchObject({ type: 'secret', livemode: false, revoked: false });
    expect(created.body.redacted).toBe(`${key.slice(0, 14)}…`);
    expect(await works(key)).toBe(true);

    const list = await dash()<{ data: KeyView[] }>('list', {}, true);
    const listed = list.body.data.find((k) => k.id === created.body.id);
    expect(listed).toMatchObject({ redacted: `${key.slice(0, 14)}…`, revoked: false });
    expect(listed?.last_used).toBe(clock.now().getTime() / 1000);
    expect(JSON.stringify(list.body)).not.toContain(key);
    const { rows } = await db.current.pool.query('SELECT hash FROM api_keys WHERE id = $1', [
      created.body.id,
    ]);
    expect(rows[0].hash).not.toContain(key.slice(8));
  });

  it('keeps modes apart: a live key made in live mode is not in the test list', async () => {
    const live = await dash('live')('create', { name: 'Live server' });
    expect(live.body.secret).toMatch(/^sk_live_/);
    const testList = await dash()<{ data: KeyView[] }>('list', {}, true);
    expect(testList.body.data.some((k) => k.id === live.body.id)).toBe(false);
    const liveList = await dash('live')<{ data: KeyView[] }>('list', {}, true);
    expect(liveList.body.data.some((k) => k.id === live.body.id)).toBe(true);
    // Rolling or revoking it from test mode: as if it did not exist.
    expect((await dash()('revoke', { id: live.body.id })).error).toMatchObject({
      code: 'resource_missing',
    });
  });

  it('rolls a key: the new one works now, the old one until its expiry, then never', async () => {
    const old = await dash()('create', { name: 'Rolled' });
    const rolled = await dash()('roll', { id: old.body.id, expires_in_hours: 2 });
    expect(rolled.status).toBe(200);
    expect(rolled.body.secret).toMatch(/^sk_test_/);
    expect(rolled.body.rolled).toMatchObject({
      id: old.body.id,
      expires_at: clock.now().getTime() / 1000 + 7_200,
      revoked: false,
    });
    expect(await works(rolled.body.secret as string)).toBe(true);
    expect(await works(old.body.secret as string)).toBe(true);

    // Rolled once: roll the replacement, not this one.
    expect((await dash()('roll', { id: old.body.id })).error).toMatchObject({
      code: 'api_key_rolled',
      param: 'id',
    });

    clock.advance(7_200_000 - 1_000);
    expect(await works(old.body.secret as string)).toBe(true);
    clock.advance(1_000);
    expect(await works(old.body.secret as string)).toBe(false);
    expect(await works(rolled.body.secret as string)).toBe(true);
    await signIn();
    const list = await dash()<{ data: KeyView[] }>('list', {}, true);
    expect(list.body.data.find((k) => k.id === old.body.id)?.revoked).toBe(true);
  });

  it('lets one of concurrent rolls of a key win; the others are refused', async () => {
    const key = await dash()('create', { name: 'Raced' });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => dash()('roll', { id: key.body.id, expires_in_hours: 1 })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400]);
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM api_keys WHERE merchant_id = $1 AND name = 'Raced'`,
      [shop.merchantId],
    );
    expect(rows[0].n).toBe(2);
  });

  it("revokes at once; another merchant's key is a 404 and stays working", async () => {
    const key = await dash()('create', { name: 'Revoked' });
    const revoked = await dash()('revoke', { id: key.body.id });
    expect(revoked.body).toMatchObject({ id: key.body.id, revoked: true });
    expect(await works(key.body.secret as string)).toBe(false);
    expect((await dash()('revoke', { id: key.body.id })).error).toMatchObject({
      code: 'resource_missing',
    });

    const { rows } = await db.current.pool.query(
      `SELECT id FROM api_keys WHERE merchant_id = $1 AND kind = 'secret' AND mode = 'test'`,
      [other.merchantId],
    );
    const theirs = rows[0].id as string;
    for (const path of ['revoke', 'roll']) {
      const response = await dash()(path, { id: theirs });
      expect(response.status).toBe(404);
      expect(response.error).toMatchObject({ code: 'resource_missing' });
    }
    expect(await works(other.secretKey)).toBe(true);
  });

  it('records each change in the audit log, with the key as its object, never the key itself', async () => {
    const key = await dash()('create', { name: 'Audited' });
    await dash()('revoke', { id: key.body.id });
    const { rows } = await db.current.pool.query(
      `SELECT action, outcome, object_id, actor FROM audit_log
        WHERE object_id = $1 ORDER BY id`,
      [key.body.id],
    );
    expect(rows).toEqual([
      {
        action: 'dashboard.apiKeys.create',
        outcome: 'success',
        object_id: key.body.id,
        actor: `user:${owner.id}`,
      },
      {
        action: 'dashboard.apiKeys.revoke',
        outcome: 'success',
        object_id: key.body.id,
        actor: `user:${owner.id}`,
      },
    ]);
    const all = await db.current.pool.query('SELECT * FROM audit_log');
    expect(JSON.stringify(all.rows)).not.toContain(key.body.secret);
  });
});
