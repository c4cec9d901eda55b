import { type BusRelayOffsetRecord, query, withTransaction } from '@kassa/db';
import { type Admin, Kafka, type KafkaConfig, logLevel, type Producer } from 'kafkajs';
import type pg from 'pg';
import { readLog } from '../events/read.ts';
import { sealAll } from '../events/sealer.ts';
import type { RecordedEvent } from '../events/types.ts';
import { KafkaSubscription, type WireEvent } from './kafka-subscription.ts';
import { int32Of, partitionKeyOf } from './partition.ts';
import type { EventBus, EventHandler, SubscribeOptions, Subscription } from './types.ts';

/**
 * Retriable answers (a coordinator still loading, a partition without its leader yet) come in
 * bursts while a cluster starts or moves leaders: ride them out for about a minute.
 */
const RETRY = { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 };

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
      retry: RETRY,
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
      // Retries limited on purpose (kafkajs warns that this may break exactly-once producing):
      // after about a minute the pass fails and a new producer resends from the relay's
      // position; the duplicates that can make are absorbed downstream (processOnce).
      this.producer ??= this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: RETRY,
      });
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
