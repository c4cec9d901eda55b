import { query } from '@kassa/db';
import { createTestDatabase, type TestDatabase } from '@kassa/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  newMerchant,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// Test and live are separate worlds: test mode always goes to the simulator, live mode only to
// the live connector (here a second simulator on a database of its own, so that each side's
// records are its own), each through a client with its own breaker and bulkhead.

const db = useApiDatabase();
let liveDb: TestDatabase;
let testAcquirer: Awaited<ReturnType<typeof startAcquirer>>;
let liveAcquirer: Awaited<ReturnType<typeof startAcquirer>>;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  liveDb = await createTestDatabase();
  testAcquirer = await startAcquirer(db.current);
  liveAcquirer = await startAcquirer(liveDb);
  merchant = await newMerchant(db.current);
}, 60_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  await testAcquirer.stop();
  await liveAcquirer.stop();
  await liveDb.drop();
});

async function api(live: boolean) {
  const started = await startApi(
    db.current,
    {
      url: testAcquirer.url,
      retries: 0,
      timeoutMs: 10_000,
      breakerThreshold: 2,
      halfOpenAfterMs: 60_000,
    },
    live ? { liveAcquirer: { url: liveAcquirer.url, retries: 0, timeoutMs: 10_000 } } : {},
  );
  apps.push(started.app);
  return started.base;
}

const card = testCard();

async function pay(base: string, mode: 'test' | 'live') {
  const secret = mode === 'live' ? merchant.liveSecretKey : merchant.secretKey;
  const publishable = mode === 'live' ? merchant.livePublishableKey : merchant.publishableKey;
  const created = await client(base, secret)<{ id: string; client_secret: string }>(
    'paymentIntents.create',
    { amount: 2_000, currency: 'eur' },
  );
  const confirmed = await client(base, publishable)<{ status: string }>(
    'checkout.paymentIntents.confirm',
    { client_secret: created.body.client_secret, payment_method_data: card },
  );
  return { id: created.body.id, confirmed };
}

const authorizationsAt = async (database: TestDatabase, reference: string) =>
  (
    await query(database.pool, 'SELECT id FROM acquirer_sim.authorizations WHERE reference = $1', [
      reference,
    ])
  ).length;

describe('test and live', () => {
  it('each mode reaches its own acquirer and never the other', async () => {
    const base = await api(true);
    const test = await pay(base, 'test');
    const live = await pay(base, 'live');
    expect(test.confirmed.body).toMatchObject({ status: 'succeeded' });
    expect(live.confirmed.body).toMatchObject({ status: 'succeeded' });
    expect([
      await authorizationsAt(db.current, test.id),
      await authorizationsAt(liveDb, test.id),
    ]).toEqual([1, 0]);
    expect([
      await authorizationsAt(db.current, live.id),
      await authorizationsAt(liveDb, live.id),
    ]).toEqual([0, 1]);
  });

  it('test traffic that trips its breaker leaves live payments alone', async () => {
    const base = await api(true);
    await testAcquirer.kill();
    try {
      for (let i = 0; i < 3; i++) {
        const failed = await pay(base, 'test');
        expect(failed.confirmed.status).toBe(503);
      }
      // The test breaker is open now (fails fast); the live one never saw a failure.
      const fast = await pay(base, 'test');
      expect(fast.confirmed).toMatchObject({
        status: 503,
        error: { code: 'acquirer_unavailable' },
      });
      const live = await pay(base, 'live');
      expect(live.confirmed.body).toMatchObject({ status: 'succeeded' });
    } finally {
      await testAcquirer.restart();
    }
  });

  it('without a live connector, live payments are refused before anything is written', async () => {
    const base = await api(false);
    const refused = await pay(base, 'live');
    expect(refused.confirmed).toMatchObject({
      status: 503,
      error: { code: 'live_acquirer_not_configured' },
    });
    const attempts = await query(
      db.current.pool,
      'SELECT id FROM payment_attempts WHERE payment_intent_id = $1',
      [refused.id],
    );
    expect(attempts).toEqual([]);
    const methods = await query(
      db.current.pool,
      'SELECT id FROM payment_methods WHERE payment_intent_id = $1',
      [refused.id],
    );
    expect(methods).toEqual([]);
    expect(await authorizationsAt(db.current, refused.id)).toBe(0);
    expect(await authorizationsAt(liveDb, refused.id)).toBe(0);
    // Test mode is unaffected.
    expect((await pay(base, 'test')).confirmed.body).toMatchObject({ status: 'succeeded' });
  });
});
