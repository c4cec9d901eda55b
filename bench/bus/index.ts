// bench/bus: events per second end to end on each transport of the event bus (appended to the
// ledger log → sealed → relayed (Kafka) → consumed by a consumer group), beside two baselines
// measured in the same run on the same machine: the raw kafkajs produce + consume rate of the same
// messages (same keys, values, producer settings) on the same broker, and the raw PostgreSQL
// insert rate of the same event rows. Not a test: no thresholds.
//
//   pnpm bench:bus [--events 20000] [--writers 4] [--batch 50] [--merchants 200] [--consumers 2]
import { withTransaction } from '@kassa/db';
import { startScratchBroker } from '@kassa/kafka/testing';
import {
  appendToStream,
  type EventBus,
  KafkaBus,
  PostgresBus,
  Sealer,
  type Subscription,
} from '@kassa/ledger';
import { Kafka, logLevel } from 'kafkajs';
import { benchDatabase, fmt, option } from '../lib.ts';

const total = option('events', 20_000);
const writers = option('writers', 4);
const batch = option('batch', 50);
const merchants = option('merchants', 200);
const consumers = option('consumers', 2);
const partitions = 8;

const db = await benchDatabase();
const broker = await startScratchBroker();
const kafka = new Kafka({ brokers: broker.brokers, clientId: 'bench', logLevel: logLevel.NOTHING });
console.log('bench/bus');
console.log(`  ${db.settings}`);
console.log(
  `  Kafka ${broker.brokers[0]} (one local broker, KRaft; acks=all, idempotent producer)`,
);
console.log(
  `  ${fmt(total)} events per phase from ${writers} writers (${batch} events per transaction, ${merchants} merchants); ${consumers} consumers in the group; ${partitions} partitions\n`,
);

/** Appends `total` events (as the payments domain does: a few per transaction, per merchant). */
async function appendAll(phase: string): Promise<void> {
  const perWriter = Math.ceil(total / writers / batch);
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = 0; i < perWriter; i++) {
        const merchantId = `mch_${(writer * perWriter + i) % merchants}`;
        await withTransaction(db.pool, (tx) =>
          appendToStream(tx, {
            stream: `bench:${phase}:${writer}`,
            expectedVersion: 'any',
            merchantId,
            events: Array.from({ length: batch }, (_, n) => ({
              type: 'payment_intent.updated',
              data: { phase, writer, i, n, amount: 1_000 + n, currency: 'EUR' },
            })),
          }),
        );
      }
    }),
  );
}

/**
 * One phase: a consumer group of `consumers` members and a sealer (on Kafka: the relay) run
 * while the writers append; the clock stops when the group has acknowledged every event.
 */
async function endToEnd(phase: string, bus: EventBus, relay?: EventBus) {
  const expected = Math.ceil(total / writers / batch) * writers * batch;
  let consumed = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const members: Subscription[] = [];
  for (let m = 0; m < consumers; m++) {
    members.push(
      await bus.subscribe(
        `bench-${phase}`,
        async (event) => {
          if ((event.data as { phase?: string }).phase !== phase) return;
          consumed += 1;
          if (consumed === expected) done();
        },
        { startFrom: 'end' },
      ),
    );
  }
  const sealer = new Sealer(db.pool, { relay });
  await sealer.start();
  const started = performance.now();
  await appendAll(phase);
  const appended = (performance.now() - started) / 1000;
  await all;
  const elapsed = (performance.now() - started) / 1000;
  await sealer.stop();
  for (const member of members) await member.stop();
  await bus.close();
  return { expected, elapsed, appended };
}

// 1. The PostgreSQL log.
const pgBus = new PostgresBus(db.pool, { partitions, pollMs: 50 });
const pgRun = await endToEnd('postgres', pgBus);

// 2. Kafka: the sealer is also the outbox relay. Relaying starts at the log's head (the first
// phase's events are history this topic does not need).
const topic = 'bench.ledger.events';
await db.pool.query(
  `INSERT INTO bus_relay_offsets (relay, position)
   SELECT $1, coalesce(max(position), 0) FROM ledger_chain`,
  [`kafka:${topic}`],
);
const kafkaBus = new KafkaBus(db.pool, {
  brokers: broker.brokers,
  topic,
  partitions,
  replicationFactor: 1,
  clientId: 'bench-bus',
  kafka: { logLevel: logLevel.NOTHING },
});
const kafkaRun = await endToEnd('kafka', kafkaBus, kafkaBus);

// The messages of the Kafka phase exactly as the relay sent them, for the raw baselines.
const sent: Array<{ key: string; value: string }> = [];
{
  const reader = kafka.consumer({ groupId: 'bench-reader' });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void reader.run({
      eachMessage: async ({ message }) => {
        sent.push({ key: String(message.key), value: String(message.value) });
        if (sent.length === kafkaRun.expected) resolve();
      },
    });
  });
  await reader.disconnect();
}

// 3. Raw kafkajs: the same messages produced (batches of 500, acks=all, idempotent) to a fresh
// topic and consumed by a group of the same size, no database at either end.
const rawTopic = 'bench.raw';
{
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: rawTopic, numPartitions: partitions, replicationFactor: 1 }],
  });
  await admin.disconnect();
}
let rawConsumed = 0;
let rawDone: () => void = () => {};
const rawAll = new Promise<void>((resolve) => {
  rawDone = resolve;
});
const rawConsumers = [];
for (let m = 0; m < consumers; m++) {
  const consumer = kafka.consumer({ groupId: 'bench-raw' });
  await consumer.connect();
  await consumer.subscribe({ topic: rawTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async () => {
      rawConsumed += 1;
      if (rawConsumed === sent.length) rawDone();
    },
  });
  rawConsumers.push(consumer);
}
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const rawStarted = performance.now();
for (let i = 0; i < sent.length; i += 500) {
  await producer.send({ topic: rawTopic, acks: -1, messages: sent.slice(i, i + 500) });
}
await rawAll;
const rawKafka = (performance.now() - rawStarted) / 1000;
await producer.disconnect();
for (const consumer of rawConsumers) await consumer.disconnect();

// 4. Raw PostgreSQL: the same event rows inserted, same writers and batch size, into a table
// like ledger_events (same columns and indexes), nothing else.
await db.pool.query('CREATE TABLE bench_raw_events (LIKE ledger_events INCLUDING ALL)');
const rows = sent.map((m, i) => ({ i, merchant: m.key, value: m.value }));
const rawPgStarted = performance.now();
await Promise.all(
  Array.from({ length: writers }, async (_, writer) => {
    for (let at = writer * batch; at < rows.length; at += writers * batch) {
      const slice = rows.slice(at, at + batch);
      await db.pool.query(
        `INSERT INTO bench_raw_events (id, stream, version, type, data, metadata, merchant_id)
         SELECT 'evt_raw' || i, 'raw:' || i, 1, 'payment_intent.updated', v::jsonb, '{}'::jsonb, m
           FROM unnest($1::int[], $2::text[], $3::text[]) AS t(i, v, m)`,
        [slice.map((r) => r.i), slice.map((r) => r.value), slice.map((r) => r.merchant)],
      );
    }
  }),
);
const rawPg = (performance.now() - rawPgStarted) / 1000;

const rate = (n: number, seconds: number) => n / seconds;
const pgRate = rate(pgRun.expected, pgRun.elapsed);
const kafkaRate = rate(kafkaRun.expected, kafkaRun.elapsed);
const rawKafkaRate = rate(sent.length, rawKafka);
const rawPgRate = rate(rows.length, rawPg);
const line = (name: string, events: number, seconds: number, note: string) =>
  console.log(
    `  ${name.padEnd(34)} ${fmt(rate(events, seconds)).padStart(8)} events/s  (${fmt(events)} in ${fmt(seconds, 1)} s${note})`,
  );
console.log('end to end: appended → sealed → (relayed →) consumed by the group');
line(
  'bus on the PostgreSQL log',
  pgRun.expected,
  pgRun.elapsed,
  `; appends took ${fmt(pgRun.appended, 1)} s`,
);
line(
  'bus on Kafka (relay + consumer group)',
  kafkaRun.expected,
  kafkaRun.elapsed,
  `; appends took ${fmt(kafkaRun.appended, 1)} s`,
);
console.log('baselines, same run');
line('raw kafkajs produce + consume', sent.length, rawKafka, ', same messages, same broker');
line('raw PostgreSQL INSERT', rows.length, rawPg, ', same event rows, same database');
console.log('ratios');
console.log(`  PostgreSQL bus ÷ raw PostgreSQL insert    ${fmt(pgRate / rawPgRate, 2)}`);
console.log(`  Kafka bus ÷ raw kafkajs                   ${fmt(kafkaRate / rawKafkaRate, 2)}`);
console.log(`  Kafka bus ÷ PostgreSQL bus                ${fmt(kafkaRate / pgRate, 2)}`);

await broker.remove();
await db.close();
