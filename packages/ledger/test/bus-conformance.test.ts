import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { testKafka } from '@kassa/kafka/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendToStream,
  type BusEvent,
  type EventBus,
  listDeadLetters,
  processOnce,
  requestDeadLetterRetry,
  type Subscription,
} from '../src/index.ts';
import { appendOrders, newTopic, transports } from './bus-transports.ts';
import { sleep } from './seeded.ts';

const db = useTestDatabase();
const tsx = createRequire(import.meta.url).resolve('tsx');

const kafka = testKafka();
if (kafka.brokers === null) {
  console.warn(`SKIPPED: event bus conformance suite on Kafka (${kafka.skipped}).`);
}
const enabled = (name: string) => name !== 'kafka' || kafka.brokers !== null;

let groupCounter = 0;
const uniqueGroup = (name: string) => `${name}-${process.pid}-${++groupCounter}`;

for (const transport of transports) {
  // Kafka's groups take seconds to form and rebalance, more on CI's loaded cores.
  describe.skipIf(!enabled(transport.name))(
    `event bus conformance: ${transport.name}`,
    { timeout: 120_000 },
    () => {
      let bus: EventBus;
      const subscriptions: Subscription[] = [];

      afterEach(async () => {
        for (const s of subscriptions.splice(0)) await s.stop();
        await bus?.close();
      });

      // Each test on a topic of its own (Kafka), which a forked consumer can be told.
      let topic = newTopic();
      async function newBus() {
        topic = newTopic();
        bus = await transport.create(db.current.pool, {
          brokers: kafka.brokers ?? undefined,
          topic,
        });
        return bus;
      }

      async function append(
        merchantId: string,
        count: number,
        type = 'order.updated',
      ): Promise<string[]> {
        const ids = await appendOrders(db.current.pool, merchantId, count, type);
        await bus.publish();
        return ids;
      }

      function consume(
        group: string,
        options: Parameters<EventBus['subscribe']>[2] = {},
        onEvent?: (e: BusEvent) => Promise<void>,
      ) {
        const received: BusEvent[] = [];
        const subscribed = bus
          .subscribe(
            group,
            async (event) => {
              await onEvent?.(event);
              received.push(event);
            },
            options,
          )
          .then((s) => {
            subscriptions.push(s);
            return s;
          });
        return {
          received,
          subscribed,
          async until(
            predicate: () => boolean | Promise<boolean>,
            what: string,
            timeoutMs = 60_000,
          ) {
            const deadline = Date.now() + timeoutMs;
            while (!(await predicate())) {
              if (Date.now() > deadline)
                throw new Error(`timed out waiting for ${what}; got ${received.length} events`);
              await sleep(20);
            }
          },
        };
      }

      it('delivers every committed event, in log order per partition key, and nothing that rolled back', async () => {
        await newBus();
        const appended = (
          await Promise.all(['mch_a', 'mch_b', 'mch_c'].map((m) => append(m, 8)))
        ).flat();
        await withTransaction(db.current.pool, async (tx) => {
          await appendToStream(tx, {
            stream: 'order:mch_a',
            expectedVersion: 'any',
            merchantId: 'mch_a',
            events: [{ type: 'order.ghost', data: {} }],
          });
          throw new Error('roll back');
        }).catch(() => {});
        await bus.publish();

        const consumer = consume(uniqueGroup('all'), { startFrom: 'beginning' });
        await consumer.subscribed;
        await consumer.until(
          () => appended.every((id) => consumer.received.some((e) => e.id === id)),
          'all events',
        );

        expect(consumer.received.some((e) => e.type === 'order.ghost')).toBe(false);
        for (const merchant of ['mch_a', 'mch_b', 'mch_c']) {
          const positions = consumer.received
            .filter((e) => e.partitionKey === merchant)
            .map((e) => e.position);
          expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
        }
      });

      it('a new group starts from the beginning or from the end, as configured', async () => {
        await newBus();
        const before = await append('mch_d', 3);
        const fromStart = consume(uniqueGroup('start'), { startFrom: 'beginning' });
        const fromEnd = consume(uniqueGroup('end'), { startFrom: 'end' });
        // Once subscribed, a group that starts from the end has recorded where that is.
        await Promise.all([fromStart.subscribed, fromEnd.subscribed]);
        const after = await append('mch_d', 2);

        await fromStart.until(
          () => [...before, ...after].every((id) => fromStart.received.some((e) => e.id === id)),
          'start group',
        );
        await fromEnd.until(
          () => after.every((id) => fromEnd.received.some((e) => e.id === id)),
          'end group',
        );
        expect(fromEnd.received.map((e) => e.id).filter((id) => before.includes(id))).toEqual([]);
      });

      it('two consumers in one group never process the same partition at once, and share the work', async () => {
        await newBus();
        const group = uniqueGroup('share');
        const inFlight = new Map<string, number>();
        const overlaps: string[] = [];
        const handle = async (event: BusEvent) => {
          const key = `${event.partitionKey}`;
          if (inFlight.has(key)) overlaps.push(key);
          inFlight.set(key, 1);
          await sleep(3);
          inFlight.delete(key);
        };
        const first = consume(group, { startFrom: 'beginning' }, handle);
        const second = consume(group, { startFrom: 'beginning' }, handle);
        const [a, b] = await Promise.all([first.subscribed, second.subscribed]);
        await first.until(
          () => a.partitions().length > 0 && b.partitions().length > 0,
          'both members to own partitions',
        );
        const merchants = Array.from({ length: 12 }, (_, i) => `mch_s${i}`);
        const appended = (await Promise.all(merchants.map((m) => append(m, 4)))).flat();

        const all = () => [...first.received, ...second.received];
        await first.until(
          () => appended.every((id) => all().some((e) => e.id === id)),
          'both members',
        );

        expect(overlaps).toEqual([]);
        expect(new Set(a.partitions()).size + new Set(b.partitions()).size).toBe(
          new Set([...a.partitions(), ...b.partitions()]).size,
        );
        expect(first.received.length).toBeGreaterThan(0);
        expect(second.received.length).toBeGreaterThan(0);
        // Without crashes, each event was processed once.
        expect(all().filter((e) => appended.includes(e.id))).toHaveLength(appended.length);
      });

      it('a consumer killed between processing and committing: the event is delivered again', async () => {
        await newBus();
        const group = uniqueGroup('killed');
        const [first] = await append('mch_k', 3);

        const child = fork(join(import.meta.dirname, 'fixtures', 'bus-consumer.ts'), {
          execArgv: ['--import', tsx],
          env: {
            ...process.env,
            DATABASE_URL: db.current.url,
            BUS_TRANSPORT: transport.name,
            BUS_GROUP: group,
            BUS_BROKERS: kafka.brokers?.join(',') ?? '',
            BUS_TOPIC: topic,
          },
          stdio: 'ignore',
        });
        const [message] = (await once(child, 'message')) as [{ processed: string }];
        child.kill('SIGKILL');
        await once(child, 'exit');

        // The survivor in the same group starts where the dead member last committed: with the
        // event it had processed but not committed. (Other partitions, which the dead member
        // never reached, may be delivered before it: order holds per partition key only.)
        const survivor = consume(group, { startFrom: 'beginning' });
        await survivor.subscribed;
        await survivor.until(
          () =>
            [first, message.processed].every((id) => survivor.received.some((e) => e.id === id)),
          'redelivery',
        );
        const redelivered = survivor.received.find((e) => e.id === message.processed);
        const sameKey = survivor.received.filter(
          (e) => e.partitionKey === redelivered?.partitionKey,
        );
        expect(sameKey[0]?.id).toBe(message.processed);
      });

      it('a failing handler gets the event again; other partition keys keep flowing', async () => {
        await newBus();
        const flakyKey = `mch_flaky_${transport.name}`; // the log holds the other run's too
        let failures = 0;
        const consumer = consume(
          uniqueGroup('retry'),
          { startFrom: 'beginning' },
          async (event) => {
            if (event.partitionKey === flakyKey && failures < 2) {
              failures += 1;
              throw new Error('downstream unavailable');
            }
          },
        );
        await consumer.subscribed;
        const flaky = await append(flakyKey, 2);
        const steady = await append('mch_steady', 2);
        await consumer.until(
          () => [...flaky, ...steady].every((id) => consumer.received.some((e) => e.id === id)),
          'retries',
        );
        expect(failures).toBe(2);
        const flakyOrder = consumer.received.filter((e) => flaky.includes(e.id)).map((e) => e.id);
        expect(flakyOrder).toEqual(flaky);
      });

      it('an event that keeps failing is set aside after maxAttempts, the group goes on, and a retry delivers it', async () => {
        await newBus();
        const group = uniqueGroup('dead');
        let broken = true;
        const tries: string[] = [];
        const poison = await append('mch_poison', 1, 'order.poison');
        const rest = await append('mch_poison', 2);
        const other = await append('mch_other', 2);
        const consumer = consume(
          group,
          { startFrom: 'beginning', maxAttempts: 3, retryBaseMs: 10 },
          async (event) => {
            if (!poison.includes(event.id) || !broken) return;
            tries.push(event.id);
            throw new Error('cannot handle this one');
          },
        );
        await consumer.subscribed;
        await consumer.until(
          () => [...rest, ...other].every((id) => consumer.received.some((e) => e.id === id)),
          'the rest of the log',
        );
        expect(tries).toEqual([...poison, ...poison, ...poison]);
        expect(consumer.received.some((e) => e.id === poison[0])).toBe(false);
        const [letter] = await listDeadLetters(db.current.pool, { group });
        expect(letter).toMatchObject({
          event_id: poison[0],
          partition_key: 'mch_poison',
          attempts: 3,
          status: 'dead',
          error: 'Error: cannot handle this one',
        });

        broken = false;
        expect(await requestDeadLetterRetry(db.current.pool, group)).toBe(1);
        await consumer.until(
          () => consumer.received.some((e) => e.id === poison[0]),
          'the dead letter, retried',
        );
        // The handler has run; the letter is marked delivered just after it.
        await consumer.until(
          async () => (await listDeadLetters(db.current.pool, { group }))[0]?.status !== 'retrying',
          'the retried letter marked',
        );
        expect(await listDeadLetters(db.current.pool, { group })).toMatchObject([
          { event_id: poison[0], status: 'delivered' },
        ]);
        expect(tries).toHaveLength(3);
      });

      it('processOnce makes a redelivered event take effect once', async () => {
        await newBus();
        await db.current.pool.query('CREATE TABLE IF NOT EXISTS bus_test_effects (event_id text)');
        const group = uniqueGroup('once');
        const ids = await append('mch_once', 2);
        const deliverTwice = async (event: BusEvent) => {
          for (let i = 0; i < 2; i++) {
            await withTransaction(db.current.pool, (tx) =>
              processOnce(tx, group, event, async () => {
                await tx.query('INSERT INTO bus_test_effects VALUES ($1)', [event.id]);
              }),
            );
          }
        };
        const consumer = consume(group, { startFrom: 'beginning' }, deliverTwice);
        await consumer.subscribed;
        await consumer.until(
          () => ids.every((id) => consumer.received.some((e) => e.id === id)),
          'effects',
        );
        const effects = await query<{ event_id: string }>(
          db.current.pool,
          'SELECT event_id FROM bus_test_effects WHERE event_id = ANY($1)',
          [ids],
        );
        expect(effects.map((e) => e.event_id).sort()).toEqual([...ids].sort());
      });
    },
  );
}
