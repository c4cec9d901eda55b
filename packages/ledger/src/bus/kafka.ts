import { randomBytes } from 'node:crypto';
import { type BusRelayOffsetRecord, query, withTransaction } from '@kassa/db';
import {
  type Admin,
  type Consumer,
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  logLevel,
  type Producer,
} from 'kafkajs';
import type pg from 'pg';
import { readLog } from '../events/read.ts';
import { sealAll } from '../events/sealer.ts';
import type { RecordedEvent } from '../events/types.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  recordDeadLetter,
  redeliverDeadLetters,
  retryDelayMs,
} from './dead-letters.ts';
import { int32Of, partitionKeyOf } from './partition.ts';
import type { BusEvent, EventBus, EventHandler, SubscribeOptions, Subscription } from './types.ts';

export interface KafkaBusOptions {
  brokers: string[];
  topic?: string;
  /**
   * Partitions of the topic when Kassa creates it (KAFKA_PARTITIONS, sized in docs/bus.md): the
   * most consumers a group can keep busy. Adding partitions later moves merchants to other ones.
   */
  partitions: number;
  /** Replicas of each partition: 3 in production, 1 on a single test broker (default: broker's). */
  replicationFactor?: number;
  /** The topic's min.insync.replicas: 2 in production (with acks=all), 1 on a single broker. */
  minInsyncReplicas?: number;
  clientId?: string;
  kafka?: Omit<KafkaConfig, 'brokers' | 'clientId'>;
  /**
   * Consumer group timing (kafkajs defaults: session 30 s, heartbeat 3 s, rebalance 60 s). A
   * member that dies keeps its partitions until its session times out.
   */
  consumer?: { sessionTimeout?: number; heartbeatInterval?: number; rebalanceTimeout?: number };
  batchSize?: number;
  /**
   * Fault injection for tests: called after Kafka acknowledged a batch and before the relay
   * commits its position. A crash here publishes the batch again on the next run.
   */
  afterSend?: (events: readonly RecordedEvent[]) => Promise<void>;
}

/** A RecordedEvent as JSON on the topic: bigints and the time as strings. */
type WireEvent = Omit<RecordedEvent, 'seq' | 'position' | 'occurredAt'> & {
  seq: string;
  position: string;
  occurredAt: string;
};

/**
 * The event bus on Kafka, for scale: an outbox relay (`publish`) copies the sealed log, in order,
 * to one topic keyed by merchant id (the merchant's events share a partition and keep their
 * order; merchants spread over partitions), and Kafka consumer groups share the partitions among
 * workers. The relay commits its log position only after Kafka acknowledged (acks = all,
 * idempotent producer), so nothing that did not commit is published and nothing is lost; after a
 * relay crash some events may be published twice, which consumers absorb (processOnce).
 *
 * The conformance suite (test/bus-conformance.test.ts) and the fault tests run it against a real
 * broker that the tests start (@kassa/kafka), or the cluster KAFKA_BROKERS names.
 */
export class KafkaBus implements EventBus {
  readonly transport = 'kafka';
  private readonly kafka: Kafka;
  private readonly topic: string;
  private producer: Producer | undefined;
  private topicReady: Promise<void> | undefined;
  private readonly consumers = new Set<KafkaSubscription>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: KafkaBusOptions,
  ) {
    this.topic = options.topic ?? 'kassa.ledger.events';
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'kassa',
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      // Retriable answers (a coordinator still loading, a partition without its leader yet) come
      // in bursts while a cluster starts or moves leaders: ride them out for about a minute.
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
      ...options.kafka,
    });
  }

  private ensureTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          timeout: 30_000,
          topics: [
            {
              topic: this.topic,
              numPartitions: this.options.partitions,
              replicationFactor: this.options.replicationFactor ?? -1,
              configEntries:
                this.options.minInsyncReplicas === undefined
                  ? []
                  : [
                      {
                        name: 'min.insync.replicas',
                        value: String(this.options.minInsyncReplicas),
                      },
                    ],
            },
          ],
        });
        await everyPartitionLed(admin, this.topic);
      } finally {
        await admin.disconnect();
      }
    })().catch((error: unknown) => {
      this.topicReady = undefined; // try again next time rather than failing forever
      throw error;
    });
    return this.topicReady;
  }

  /**
   * A new group that starts from the end starts from the end as it is now: its offsets are
   * committed at the topic's current ends before it joins, so what is published after subscribe
   * resolves is never skipped (kafkajs would look the end up later, at its first fetch).
   */
  private async startAtEnd(group: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [this.topic] });
      if (committed?.partitions.some((p) => p.offset !== '-1')) return; // not a new group
      const ends = await admin.fetchTopicOffsets(this.topic);
      try {
        await admin.setOffsets({
          groupId: group,
          topic: this.topic,
          partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
        });
      } catch (error) {
        // Another member of the new group joined first and set its start: that one holds.
        if (!/active members|not empty|rebalanc/i.test(String(error))) throw error;
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** The outbox relay: seal, then copy the log past the relay's position to the topic. */
  async publish(): Promise<number> {
    await sealAll(this.pool);
    await this.ensureTopic();
    for (let attempt = 1; ; attempt++) {
      this.producer ??= this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      try {
        return await this.relay(this.producer);
      } catch (error) {
        // A send that failed leaves the idempotent producer's sequence in doubt (and kafkajs's
        // idempotent producer can fail with a TypeError of its own while a broker is starting):
        // start a new producer (a new producer id) and resend from the relay's position, which
        // the failed pass did not move.
        const failed = this.producer;
        this.producer = undefined;
        await failed.disconnect().catch(() => {});
        if (attempt >= 3) throw error;
      }
    }
  }

  private async relay(producer: Producer): Promise<number> {
    await producer.connect();
    const relay = `kafka:${this.topic}`;
    let published = 0;
    for (;;) {
      const sent = await withTransaction(this.pool, async (tx) => {
        // One relay at a time (per topic); another process finds the lock taken and leaves.
        const [lock] = await query<{ locked: boolean }>(
          tx,
          'SELECT pg_try_advisory_xact_lock($1, 0) AS locked',
          [int32Of(relay)],
        );
        if (!lock?.locked) return 0;
        const [row] = await query<Pick<BusRelayOffsetRecord, 'position'>>(
          tx,
          'SELECT position FROM bus_relay_offsets WHERE relay = $1',
          [relay],
        );
        const events = await readLog(tx, {
          after: row?.position ?? 0n,
          limit: this.options.batchSize ?? 500,
        });
        if (events.length === 0) return 0;
        await producer.send({
          topic: this.topic,
          acks: -1,
          messages: events.map((event) => ({
            key: partitionKeyOf(event),
            value: JSON.stringify({
              ...event,
              seq: event.seq.toString(),
              position: event.position.toString(),
              occurredAt: event.occurredAt.toISOString(),
            } satisfies WireEvent),
            headers: {
              'kassa-event-id': event.id,
              'kassa-event-type': event.type,
              ...(typeof event.metadata.traceparent === 'string' && {
                traceparent: event.metadata.traceparent,
              }),
            },
          })),
        });
        await this.options.afterSend?.(events);
        await tx.query(
          `INSERT INTO bus_relay_offsets (relay, position) VALUES ($1, $2)
           ON CONFLICT (relay) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [relay, events.at(-1)?.position.toString()],
        );
        return events.length;
      });
      published += sent;
      if (sent === 0) return published;
    }
  }

  async subscribe(
    group: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    await this.ensureTopic();
    if (options.startFrom === 'end') await this.startAtEnd(group);
    const subscription = new KafkaSubscription(
      this.pool,
      group,
      this.kafka.consumer({ groupId: group, ...this.options.consumer }),
      this.topic,
      handler,
      options,
    );
    this.consumers.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.consumers.delete(subscription);
      await subscription.stop();
      throw error;
    }
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.producer?.disconnect();
  }
}

/**
 * Until the topic's metadata names a leader for every partition: createTopics' own wait can
 * return while a loaded broker is still electing them, and a send then fails.
 */
async function everyPartitionLed(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    const partitions = metadata?.topics[0]?.partitions ?? [];
    if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > deadline) throw new Error(`topic ${topic} has partitions without a leader`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A message of the topic as the event the relay sent; anything else is not Kassa's. */
function eventOf(message: KafkaMessage): BusEvent {
  if (!message.value || !message.key) {
    throw new Error(`message at offset ${message.offset} has no key or value: not a relayed event`);
  }
  const wire = JSON.parse(message.value.toString('utf8')) as WireEvent;
  return {
    ...wire,
    seq: BigInt(wire.seq),
    position: BigInt(wire.position),
    occurredAt: new Date(wire.occurredAt),
    partitionKey: message.key.toString('utf8'),
  };
}

class KafkaSubscription implements Subscription {
  readonly memberId = `member_${randomBytes(6).toString('hex')}`;
  private assigned: number[] = [];
  private readonly failures = new Map<number, { offset: string; count: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private redelivery: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly group: string,
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly handler: EventHandler,
    private readonly options: SubscribeOptions,
  ) {}

  partitions(): number[] {
    return [...this.assigned];
  }

  /** Resolves once the member has joined its group and knows its partitions. */
  async start(): Promise<void> {
    let joined: () => void = () => {};
    let crashed: (error: unknown) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      joined = resolve;
      crashed = reject;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.assigned = [...(event.payload.memberAssignment[this.topic] ?? [])].sort((a, b) => a - b);
      joined();
    });
    // kafkajs restarts a consumer after a retriable failure (a coordinator still loading, a
    // broker gone for a moment): only one it gives up on fails the subscription.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) crashed(event.payload.error);
    });
    // Dead letters whose retry was asked for (kassa bus dead-letters --retry), by one member each.
    this.redelivery = setInterval(() => {
      redeliverDeadLetters(this.pool, this.group, this.handler).catch(() => {});
    }, 1000);
    this.redelivery.unref();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: this.topic,
      fromBeginning: this.options.startFrom !== 'end',
    });
    await this.consumer.run({
      // Offsets are resolved one by one, only after the handler resolved, and committed after
      // each batch (kafkajs's autoCommit with neither interval nor threshold): a crash in
      // between redelivers what was not committed, which processOnce absorbs. One commit per
      // batch, not per event: a round trip to the group coordinator per event capped a group at a
      // few hundred events per second (bench/bus).
      autoCommit: true,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, pause, isRunning, isStale }) => {
        const { partition } = batch;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) return;
          const event = eventOf(message);
          try {
            await this.handler(event);
            this.failures.delete(partition);
          } catch (error) {
            this.options.onError?.(error, event);
            const previous = this.failures.get(partition);
            const count = previous?.offset === message.offset ? previous.count + 1 : 1;
            if (count < (this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
              // Only this partition waits: paused, and fetched again from this (unresolved)
              // message once the delay is over; the others go on.
              this.failures.set(partition, { offset: message.offset, count });
              const resume = pause();
              const timer = setTimeout(
                () => {
                  this.timers.delete(timer);
                  resume();
                },
                retryDelayMs(count, this.options.retryBaseMs),
              );
              this.timers.add(timer);
              return;
            }
            await recordDeadLetter(this.pool, this.group, event, count, error);
            this.options.onDeadLetter?.(event, error);
            this.failures.delete(partition);
          }
          resolveOffset(message.offset);
          await heartbeat();
        }
      },
    });
    await ready;
  }

  async stop(): Promise<void> {
    clearInterval(this.redelivery);
    for (const timer of this.timers) clearTimeout(timer);
    await this.consumer.disconnect();
  }
}
