import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { startScratchBroker, testKafka } from '@kassa/kafka/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, type EventBus, processOnce, type Subscription } from '../src/index.ts';
import { appendOrders, newTopic, transportNamed } from './bus-transports.ts';
import { sleep } from './seeded.ts';

// Faults on a real broker of this file's own (it is killed and restarted, which the run's shared
// broker must not be): nothing the log committed is lost, and what is delivered twice takes
// effect once.
const db = useTestDatabase();
const tsx = createRequire(import.meta.url).resolve('tsx');
const kafkaHere = testKafka().brokers !== null;
if (!kafkaHere) console.warn('SKIPPED: Kafka fault tests (no Java on this machine).');

/** Whether a client can reach the brokers now (no retries). */
async function reachable(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// Each test kills and restarts real processes: on CI's loaded cores one can take a minute or two.
describe.skipIf(!kafkaHere)('the Kafka bus under faults', { timeout: 240_000 }, () => {
  let broker: Awaited<ReturnType<typeof startScratchBroker>>;
  const children: ChildProcess[] = [];
  const buses: EventBus[] = [];
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    broker = await startScratchBroker();
    await db.current.pool.query('CREATE TABLE bus_test_effects (event_id text NOT NULL)');
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const s of subscriptions) await s.stop().catch(() => {});
    for (const bus of buses) await bus.close().catch(() => {});
    await broker?.remove();
  });

  async function newBus(topic: string) {
    const bus = await transportNamed('kafka').create(db.current.pool, {
      brokers: broker.brokers,
      topic,
    });
    buses.push(bus);
    return bus;
  }

  const append = (merchantId: string, count: number) =>
    appendOrders(db.current.pool, merchantId, count);

  /** Every delivery (duplicates kept) and the effect of each event, applied once. */
  function applier(group: string) {
    const deliveries: string[] = [];
    const handler = async (event: BusEvent) => {
      await withTransaction(db.current.pool, (tx) =>
        processOnce(tx, group, event, async () => {
          await tx.query('INSERT INTO bus_test_effects (event_id) VALUES ($1)', [event.id]);
        }),
      );
      deliveries.push(event.id);
    };
    return { deliveries, handler };
  }

  async function effectsOf(ids: string[]): Promise<Map<string, number>> {
    const rows = await query<{ event_id: string; n: bigint }>(
      db.current.pool,
      'SELECT event_id, count(*)::bigint AS n FROM bus_test_effects WHERE event_id = ANY($1) GROUP BY event_id',
      [ids],
    );
    return new Map(rows.map((r) => [r.event_id, Number(r.n)]));
  }

  async function until(done: () => Promise<boolean> | boolean, what: string, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  /** Every id took effect exactly once. */
  async function exactlyOnce(ids: string[]) {
    const effects = await effectsOf(ids);
    expect([...effects.values()].filter((n) => n !== 1)).toEqual([]);
    expect(effects.size).toBe(ids.length);
  }

  function member(role: 'consumer' | 'relay', topic: string, group = '') {
    const child = fork(join(import.meta.dirname, 'fixtures', 'kafka-member.ts'), {
      execArgv: ['--import', tsx],
      env: {
        ...process.env,
        DATABASE_URL: db.current.url,
        KAFKA_ROLE: role,
        BUS_GROUP: group,
        BUS_BROKERS: broker.brokers.join(','),
        BUS_TOPIC: topic,
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    children.push(child);
    const messages: Array<{ delivered?: string; joined?: number[]; sent?: string[] }> = [];
    child.on('message', (message) => messages.push(message as (typeof messages)[number]));
    let errors = '';
    child.stderr?.on('data', (chunk) => {
      errors += chunk;
    });
    return { child, messages, errors: () => errors };
  }

  it('the broker killed mid-stream and restarted: nothing is lost, nothing takes effect twice', async () => {
    const topic = newTopic();
    const bus = await newBus(topic);
    const group = 'faults-broker';
    const { deliveries, handler } = applier(group);
    subscriptions.push(await bus.subscribe(group, handler, { startFrom: 'beginning' }));

    // The relay runs on, failing while the broker is down, as the API's background job does.
    // (kafkajs retries for about a minute before a pass fails; the relay then tries again.)
    let relaying = true;
    const relay = (async () => {
      while (relaying) {
        await bus.publish().catch(() => {});
        await sleep(50);
      }
    })();

    const merchants = ['mch_f1', 'mch_f2', 'mch_f3', 'mch_f4', 'mch_f5', 'mch_f6'];
    const ids: string[] = [];
    for (const m of merchants) ids.push(...(await append(m, 5)));
    await until(() => deliveries.length > 0, 'the first deliveries');

    await broker.kill(); // mid-stream: some events delivered, some published, some not yet
    expect(await reachable(broker.brokers)).toBe(false);
    for (const m of merchants) ids.push(...(await append(m, 5))); // the log commits regardless
    await broker.restart();
    for (const m of merchants) ids.push(...(await append(m, 5)));

    await until(() => ids.every((id) => deliveries.includes(id)), 'every event after the restart');
    relaying = false;
    await relay;
    await exactlyOnce(ids);
  });

  it('one of two consumers killed: its partitions move to the other, which resumes from committed offsets', async () => {
    const topic = newTopic();
    const bus = await newBus(topic);
    const group = 'faults-member';
    const doomed = member('consumer', topic, group);
    await until(() => doomed.messages.some((m) => m.joined), 'the doomed member to join');
    const { deliveries, handler } = applier(group);
    const survivor = await bus.subscribe(group, handler, { startFrom: 'beginning' });
    subscriptions.push(survivor);
    await until(
      () => survivor.partitions().length > 0 && survivor.partitions().length < 4,
      'the group to share the partitions',
    );

    const merchants = Array.from({ length: 12 }, (_, i) => `mch_m${i}`);
    const first: string[] = [];
    for (const m of merchants) first.push(...(await append(m, 3)));
    await bus.publish();
    const deliveredByDoomed = () =>
      doomed.messages.flatMap((m) => (m.delivered ? [m.delivered] : []));
    await until(
      () => first.every((id) => deliveries.includes(id) || deliveredByDoomed().includes(id)),
      'both members to process the first events',
    );
    expect(deliveredByDoomed().length).toBeGreaterThan(0);

    doomed.child.kill('SIGKILL');
    await once(doomed.child, 'exit');
    const second: string[] = [];
    for (const m of merchants) second.push(...(await append(m, 3)));
    await bus.publish();

    // After the dead member's session times out, the survivor owns every partition and
    // processes what the dead one would have, from the offsets it committed.
    await until(() => survivor.partitions().length === 4, 'the survivor to own every partition');
    await until(() => second.every((id) => deliveries.includes(id)), 'the survivor to catch up');
    await exactlyOnce([...first, ...second]);
  });

  it('the relay crashes after Kafka acknowledged a batch, before its position was committed: the batch is published again and absorbed', async () => {
    const topic = newTopic();
    const ids: string[] = [];
    for (const m of ['mch_r1', 'mch_r2']) ids.push(...(await append(m, 10)));
    const crashing = member('relay', topic);
    const [code, signal] = await once(crashing.child, 'exit');
    expect({ code, signal }, crashing.errors()).toEqual({ code: null, signal: 'SIGKILL' });
    const sent = crashing.messages.flatMap((m) => m.sent ?? []);
    expect(sent.length).toBeGreaterThan(0);

    // The next relay starts from the committed position: the crashed batch goes out again.
    const bus = await newBus(topic);
    await bus.publish();
    const group = 'faults-relay';
    const { deliveries, handler } = applier(group);
    subscriptions.push(await bus.subscribe(group, handler, { startFrom: 'beginning' }));
    await until(() => ids.every((id) => deliveries.includes(id)), 'every event');
    await until(
      () => sent.every((id) => deliveries.filter((d) => d === id).length === 2),
      'the duplicates',
    );
    await exactlyOnce(ids);
  });
});
