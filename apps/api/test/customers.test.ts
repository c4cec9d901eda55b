import { query } from '@kassa/db';
import { readStream } from '@kassa/ledger';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, newMerchant, startApi, useApiDatabase } from './support.ts';

// Customers: create, retrieve, update, list (by email), delete; payments name one, are listed by
// it, and carry it in their events. Typed errors, another merchant's customer is not found,
// concurrent creates under one Idempotency-Key make one customer.

const db = useApiDatabase();
let app: FastifyInstance;
let base: string;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  ({ app, base } = await startApi(db.current));
  merchant = await newMerchant(db.current);
  call = client(base, merchant.secretKey);
});

afterAll(async () => {
  await app.close();
});

type Customer = { id: string; email: string | null; name: string | null; metadata: object };

describe('customers', () => {
  it('are created, retrieved, updated, listed by email and deleted, each step an event', async () => {
    const created = await call<Customer>('customers.create', {
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      metadata: { crm: 'A-17' },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: null,
      metadata: { crm: 'A-17' },
      livemode: false,
    });
    expect(created.body.id).toMatch(/^cus_[0-9A-Za-z]{24}$/);
    const id = created.body.id;
    expect((await call('customers.retrieve', { id }, { query: true })).body).toEqual(created.body);

    const updated = await call<Customer>('customers.update', {
      id,
      name: null,
      phone: '+44 20 7946 0000',
      metadata: { crm: '', tier: 'gold' },
    });
    expect(updated.body).toMatchObject({
      name: null,
      phone: '+44 20 7946 0000',
      metadata: { tier: 'gold' },
    });

    const other = await call<Customer>('customers.create', { email: 'grace@example.com' });
    const byEmail = await call<{ data: Customer[] }>(
      'customers.list',
      { email: 'ada@example.com' },
      { query: true },
    );
    expect(byEmail.body.data.map((c) => c.id)).toEqual([id]);
    const all = await call<{ data: Customer[] }>('customers.list', {}, { query: true });
    expect(all.body.data.map((c) => c.id).sort()).toEqual([other.body.id, id].sort());

    const deleted = await call('customers.del', { id });
    expect(deleted.body).toEqual({ id, object: 'customer', deleted: true });
    const gone = await call('customers.retrieve', { id }, { query: true });
    expect(gone.status).toBe(404);
    expect(gone.error).toMatchObject({ code: 'resource_missing', param: 'id' });
    const listed = await call<{ data: Customer[] }>('customers.list', {}, { query: true });
    expect(listed.body.data.map((c) => c.id)).toEqual([other.body.id]);

    const events = await readStream(db.current.pool, `customer:${id}`);
    expect(events.map((e) => e.type)).toEqual([
      'customer.created',
      'customer.updated',
      'customer.deleted',
    ]);
    expect(events[1]?.data).toMatchObject({
      previous_attributes: { name: 'Ada Lovelace', phone: null, metadata: { crm: 'A-17' } },
    });
  });

  it('are named by payments, which are listed by customer and carry it in their events', async () => {
    const customer = (await call<Customer>('customers.create', { email: 'ben@example.com' })).body;
    const named = await call<{ id: string; customer: string | null }>('paymentIntents.create', {
      amount: 1500,
      currency: 'eur',
      customer: customer.id,
    });
    expect(named.body.customer).toBe(customer.id);
    const later = await call<{ id: string; customer: string | null }>('paymentIntents.create', {
      amount: 900,
      currency: 'eur',
    });
    expect(later.body.customer).toBeNull();
    const attached = await call<{ customer: string | null }>('paymentIntents.update', {
      id: later.body.id,
      customer: customer.id,
    });
    expect(attached.body.customer).toBe(customer.id);
    await call('paymentIntents.create', { amount: 100, currency: 'eur' });

    const mine = await call<{ data: Array<{ id: string }> }>(
      'paymentIntents.list',
      { customer: customer.id },
      { query: true },
    );
    expect(mine.body.data.map((p) => p.id).sort()).toEqual([later.body.id, named.body.id].sort());
    const events = await readStream(db.current.pool, `payment_intent:${later.body.id}`);
    expect(events.at(-1)?.data).toMatchObject({
      object: { customer: customer.id },
      previous_attributes: { customer: null },
    });

    // A deleted customer can no longer be named; the payments that name it still do.
    await call('customers.del', { id: customer.id });
    const refused = await call('paymentIntents.create', {
      amount: 1500,
      currency: 'eur',
      customer: customer.id,
    });
    expect(refused.status).toBe(404);
    expect(refused.error).toMatchObject({ code: 'resource_missing', param: 'customer' });
    const still = await call<{ customer: string }>(
      'paymentIntents.retrieve',
      { id: named.body.id },
      { query: true },
    );
    expect(still.body.customer).toBe(customer.id);
  });

  it('pages on past a customer deleted since the last page', async () => {
    const stranger = await newMerchant(db.current);
    const theirs = client(base, stranger.secretKey);
    for (const name of ['first', 'second', 'third'])
      await theirs<Customer>('customers.create', { name });
    const list = async (input: Record<string, unknown>) =>
      (await theirs<{ data: Customer[] }>('customers.list', input, { query: true })).body.data.map(
        (c) => c.id,
      );
    const order = await list({ limit: 5 });
    expect(order).toHaveLength(3);
    const [cursor] = await list({ limit: 1 });
    expect(cursor).toBe(order[0]);
    await theirs('customers.del', { id: cursor });
    expect(await list({ limit: 5, starting_after: cursor })).toEqual(order.slice(1));
  });

  it('refuses bad input with a typed error naming the parameter, and writes nothing', async () => {
    const before = await count();
    const cases: Array<[input: Record<string, unknown>, param: string]> = [
      [{ email: 'not-an-email' }, 'email'],
      [{ name: 'x'.repeat(257) }, 'name'],
      [{ metadata: { key: 1 } }, 'metadata.key'],
      [{ shoe_size: 44 }, 'shoe_size'],
    ];
    for (const [input, param] of cases) {
      const response = await call('customers.create', input);
      expect(response.status, JSON.stringify(input)).toBe(400);
      expect(response.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    const badId = await call('paymentIntents.create', {
      amount: 100,
      currency: 'eur',
      customer: 'pm_000000000000000000000000',
    });
    expect(badId.status).toBe(400);
    expect(badId.error).toMatchObject({ param: 'customer' });
    expect(await count()).toBe(before);
  });

  it("keeps merchants apart: another merchant's customer does not exist here", async () => {
    const mine = (await call<Customer>('customers.create', { name: 'Mine' })).body;
    const stranger = await newMerchant(db.current);
    const theirs = client(base, stranger.secretKey);
    for (const [path, input] of [
      ['customers.update', { id: mine.id, name: 'Theirs' }],
      ['customers.del', { id: mine.id }],
    ] as const) {
      const response = await theirs(path, input);
      expect(response.status, path).toBe(404);
      expect(response.error).toMatchObject({ code: 'resource_missing' });
    }
    expect((await theirs('customers.retrieve', { id: mine.id }, { query: true })).status).toBe(404);
    const payment = await theirs('paymentIntents.create', {
      amount: 100,
      currency: 'eur',
      customer: mine.id,
    });
    expect(payment.status).toBe(404);
    expect(payment.error).toMatchObject({ code: 'resource_missing', param: 'customer' });
    const listed = await theirs<{ data: Customer[] }>('customers.list', {}, { query: true });
    expect(listed.body.data).toEqual([]);
    expect(
      (await call<Customer>('customers.retrieve', { id: mine.id }, { query: true })).body.name,
    ).toBe('Mine');
  });

  it('makes one customer of concurrent creates under one Idempotency-Key', async () => {
    const before = await count();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        call<Customer>(
          'customers.create',
          { email: 'once@example.com' },
          { idempotencyKey: 'cus-once' },
        ),
      ),
    );
    const ids = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.id));
    expect(ids.size).toBe(1);
    // Those that ran while the first was in flight are told to retry (409), never served twice.
    for (const a of answers) expect([200, 409]).toContain(a.status);
    expect(await count()).toBe(before + 1);
  });
});

async function count(): Promise<number> {
  const [row] = await query<{ n: number }>(
    db.current.pool,
    'SELECT count(*)::int AS n FROM customers',
  );
  return row?.n ?? 0;
}
