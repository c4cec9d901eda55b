import { randomBytes } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import type { RecordedEvent } from '../events/types.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  recordDeadLetter,
  redeliverDeadLetters,
  retryDelayMs,
} from './dead-letters.ts';
import type { BusEvent, EventHandler, SubscribeOptions, Subscription } from './types.ts';

// One member of a consumer group on the Kafka transport (KafkaBus.subscribe): its partitions,
// its handler's failures and retries, and its offsets.

/** A RecordedEvent as JSON on the topic: bigints and the time as strings. */
export type WireEvent = Omit<RecordedEvent, 'seq' | 'position' | 'occurredAt'> & {
  seq: string;
  position: string;
  occurredAt: string;
};

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

export class KafkaSubscription implements Subscription {
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
