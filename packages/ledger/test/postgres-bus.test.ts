import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { expect, it } from 'vitest';
import { appendToStream, type BusEvent, PostgresBus, partitionOf } from '../src/index.ts';
import { sleep } from './seeded.ts';

const db = useTestDatabase();

it('a member whose database session is killed reconnects, reclaims its partitions and goes on', async () => {
  const bus = new PostgresBus(db.current.pool, { partitions: 4, pollMs: 50, rebalanceMs: 100 });
  const received: BusEvent[] = [];
  const subscription = await bus.subscribe('survivor', async (event) => void received.push(event), {
    startFrom: 'beginning',
  });
  const append = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await withTransaction(db.current.pool, (tx) =>
        appendToStream(tx, {
          stream: `order:o${i % 3}`,
          expectedVersion: 'any',
          merchantId: `mch_${i % 3}`,
          events: [{ type: 'order.updated', data: { i } }],
        }),
      );
    }
    await bus.publish();
  };
  const until = async (count: number) => {
    for (const deadline = Date.now() + 20_000; received.length < count; await sleep(20)) {
      if (Date.now() > deadline) throw new Error(`got ${received.length} of ${count}`);
    }
  };

  await append(6);
  await until(6);
  const [member] = await query<{ pid: number }>(
    db.current.pool,
    `SELECT pid FROM bus_members WHERE "group" = 'survivor'`,
  );
  await db.current.pool.query('SELECT pg_terminate_backend($1)', [member?.pid]);

  await append(6);
  await until(12);
  expect(new Set(received.map((e) => e.id)).size).toBe(12);
  expect(subscription.partitions()).toEqual([0, 1, 2, 3]);
  await bus.close();
});

it('an event failing on one partition does not hold the others back, however far they run ahead', async () => {
  const bus = new PostgresBus(db.current.pool, { partitions: 4, pollMs: 20, batchSize: 50 });
  // Two merchants on different partitions.
  const stuck = 'mch_stuck';
  const ahead = Array.from({ length: 40 }, (_, i) => `mch_ahead_${i}`).find(
    (key) => partitionOf(key, 4) !== partitionOf(stuck, 4),
  ) as string;
  const received: string[] = [];
  const subscription = await bus.subscribe(
    'stall',
    async (event) => {
      if (event.partitionKey === stuck) throw new Error('down for the day');
      if (event.partitionKey === ahead) received.push(event.id);
    },
    { startFrom: 'beginning', maxAttempts: 1_000, retryBaseMs: 50 },
  );
  const appendMany = (merchantId: string, count: number) =>
    withTransaction(db.current.pool, (tx) =>
      appendToStream(tx, {
        stream: `order:${merchantId}`,
        expectedVersion: 'any',
        merchantId,
        events: Array.from({ length: count }, (_, i) => ({ type: 'order.updated', data: { i } })),
      }),
    );
  try {
    await appendMany(stuck, 1);
    // Four batches' worth after the failing event: reading from its offset would never reach them.
    const later = await appendMany(ahead, 200);
    await bus.publish();
    for (const deadline = Date.now() + 20_000; received.length < 200; await sleep(20)) {
      if (Date.now() > deadline) throw new Error(`got ${received.length} of 200`);
    }
    expect(received).toEqual(later.events.map((e) => e.id));
  } finally {
    await subscription.stop();
    await bus.close();
  }
});
