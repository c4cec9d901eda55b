import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { expect, it } from 'vitest';
import { appendToStream, type BusEvent, PostgresBus } from '../src/index.ts';
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
