import { query } from '@kassa/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  dashboardCaller,
  dashboardUser,
  newMerchant,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// The audit log: every change through the API or the dashboard, and every refused attempt at
// one, with who, what, when, the outcome, the origin and the object; append-only in the database.

const db = useApiDatabase();
let app: FastifyInstance;
let base: string;
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let shop: Awaited<ReturnType<typeof newMerchant>>;
let other: Awaited<ReturnType<typeof newMerchant>>;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  ({ app, base } = await startApi(db.current, { url: acquirer.url }));
  shop = await newMerchant(db.current);
  other = await newMerchant(db.current);
});

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

async function member(email: string, merchantId: string, role: 'owner' | 'analyst') {
  const user = await dashboardUser(db.current, email, [[merchantId, role]]);
  return { id: user.id, cookie: user.cookie, call: dashboardCaller(base, user.cookie, merchantId) };
}

const entriesOf = (merchantId: string) =>
  query<{
    actor: string;
    action: string;
    outcome: string;
    error_code: string | null;
    object_id: string | null;
    origin: string | null;
    request_id: string;
  }>(
    db.current.pool,
    `SELECT actor, action, outcome, error_code, object_id, host(origin) AS origin, request_id
       FROM audit_log WHERE merchant_id = $1 ORDER BY id`,
    [merchantId],
  );

describe('the audit log', () => {
  it('records API and dashboard changes and refusals, not reads; the owner reads it, an analyst cannot', async () => {
    const api = client(base, shop.secretKey);
    const created = await api<{ id: string; client_secret: string }>('paymentIntents.create', {
      amount: 3_000,
      currency: 'eur',
    });
    await client(base, shop.publishableKey)('checkout.paymentIntents.confirm', {
      client_secret: created.body.client_secret,
      payment_method_data: testCard(),
    });
    await api('paymentIntents.list', {}, { query: true }); // a read: not recorded
    const tooMuch = await api('refunds.create', { payment_intent: created.body.id, amount: 9_999 });
    expect(tooMuch.status).toBe(400);

    const owner = await member('audit-owner@example.com', shop.merchantId, 'owner');
    const analyst = await member('audit-analyst@example.com', shop.merchantId, 'analyst');
    const refused = await analyst.call('refunds.create', {
      payment_intent: created.body.id,
      amount: 500,
    });
    expect(refused.status).toBe(403);
    const refunded = await owner.call<{ id: string }>(
      'refunds.create',
      { payment_intent: created.body.id, amount: 500 },
      { idempotencyKey: 'audit-refund' },
    );
    expect(refunded.status).toBe(200);

    const entries = await entriesOf(shop.merchantId);
    expect(entries.map((e) => [e.actor, e.action, e.outcome, e.error_code, e.object_id])).toEqual([
      [
        expect.stringMatching(/^key:key_/),
        'paymentIntents.create',
        'success',
        null,
        created.body.id,
      ],
      [
        expect.stringMatching(/^key:key_/),
        'refunds.create',
        'failure',
        expect.any(String),
        created.body.id,
      ],
      [
        `user:${analyst.id}`,
        'dashboard.refunds.create',
        'failure',
        'role_insufficient',
        created.body.id,
      ],
      [`user:${owner.id}`, 'dashboard.refunds.create', 'success', null, refunded.body.id],
    ]);
    for (const entry of entries) {
      expect(entry.origin).toBe('127.0.0.1');
      expect(entry.request_id).toMatch(/^req_/);
    }

    // The owner reads the log, newest first, a page at a time; an analyst may not.
    const page = await owner.call<{ data: Array<{ action: string }>; has_more: boolean }>(
      'auditLog.list',
      { limit: 3 },
      { query: true },
    );
    expect(page.body.data.map((e) => e.action)).toEqual([
      'dashboard.refunds.create',
      'dashboard.refunds.create',
      'refunds.create',
    ]);
    expect(page.body.has_more).toBe(true);
    expect((await analyst.call('auditLog.list', {}, { query: true })).status).toBe(403);

    // Filtered by outcome, action (or its start), actor and object.
    const actions = async (filters: Record<string, unknown>) =>
      (
        await owner.call<{ data: Array<{ action: string; outcome: string }> }>(
          'auditLog.list',
          filters,
          { query: true },
        )
      ).body.data.map((e) => `${e.action} ${e.outcome}`);
    expect(await actions({ outcome: 'failure' })).toEqual([
      'dashboard.refunds.create failure',
      'refunds.create failure',
    ]);
    expect(await actions({ action: 'dashboard.*' })).toEqual([
      'dashboard.refunds.create success',
      'dashboard.refunds.create failure',
    ]);
    expect(await actions({ actor: `user:${owner.id}` })).toEqual([
      'dashboard.refunds.create success',
    ]);
    expect(await actions({ object_id: refunded.body.id })).toEqual([
      'dashboard.refunds.create success',
    ]);
    expect(
      (await owner.call('auditLog.list', { actor: 'somebody' }, { query: true })).error,
    ).toMatchObject({
      param: 'actor',
    });

    // Exported as CSV with the same filters; the export itself is an entry, and analysts may not.
    const csv = await fetch(
      `${base}/dashboard/exports/audit-log.csv?${new URLSearchParams({
        merchant: shop.merchantId,
        input: JSON.stringify({ outcome: 'failure' }),
      })}`,
      { headers: { cookie: owner.cookie } },
    );
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'id,created_utc,actor,actor_name,action,outcome,error_code,object_id,origin,request_id',
    );
    // Who, by name: the user's email, the key's first characters.
    expect(lines.slice(1).map((line) => line.split(',')[3])).toEqual([
      expect.stringMatching(/^[^@\s]+@[^@\s]+$/),
      expect.stringMatching(/^(.+ \()?sk_test_\w+…\)?$/),
    ]);
    expect(lines.slice(1).map((line) => line.split(',').slice(4, 7).join(' '))).toEqual([
      'dashboard.refunds.create failure role_insufficient',
      'refunds.create failure amount_too_large',
    ]);
    expect(await actions({ action: 'dashboard.auditLog.export' })).toEqual([
      'dashboard.auditLog.export success',
    ]);
    const notAllowed = await fetch(
      `${base}/dashboard/exports/audit-log.csv?merchant=${shop.merchantId}`,
      { headers: { cookie: analyst.cookie } },
    );
    expect(notAllowed.status).toBe(403);
    // Another merchant's log holds none of it.
    await client(base, other.secretKey)('paymentIntents.create', { amount: 100, currency: 'eur' });
    expect((await entriesOf(other.merchantId)).map((e) => e.action)).toEqual([
      'paymentIntents.create',
    ]);
  });

  it('is append-only: the database refuses to change, delete or truncate it', async () => {
    for (const statement of [
      `UPDATE audit_log SET outcome = 'success'`,
      'DELETE FROM audit_log',
      'TRUNCATE audit_log',
    ]) {
      await expect(db.current.pool.query(statement)).rejects.toThrow(/append-only/);
    }
    expect((await entriesOf(shop.merchantId)).length).toBeGreaterThan(0);
  });
});
