import type { RecordedEvent } from '../events/types.ts';

/** A log event as a consumer receives it: committed, sealed, with its place in the log. */
export interface BusEvent extends RecordedEvent {
  position: bigint;
  /** Order is guaranteed among events with the same key: the merchant id (or the stream). */
  partitionKey: string;
}

/**
 * Called for each event, at least once. Resolve to acknowledge; throw to have it (and the rest of
 * its partition, while the others go on) delivered again later, after a growing wait; after
 * `maxAttempts` failures in a row it is set aside as a dead letter and its partition goes on. A consumer makes the effect exactly-once with
 * `processOnce` (or its own dedupe on `event.id`).
 */
export type EventHandler = (event: BusEvent) => Promise<void>;

export interface SubscribeOptions {
  /** Where a group that has never consumed starts: the first event, or what comes next. */
  startFrom?: 'beginning' | 'end';
  /** Called when the handler throws (the event will be retried, or set aside). */
  onError?: (error: unknown, event: BusEvent) => void;
  /** Failures in a row before an event becomes a dead letter (default DEFAULT_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** The first wait before a failed event is tried again; it doubles up to 30 s (default 100). */
  retryBaseMs?: number;
  /** Called when an event is set aside. */
  onDeadLetter?: (event: BusEvent, error: unknown) => void;
}

export interface Subscription {
  readonly memberId: string;
  /** Partitions this member owns right now. */
  partitions(): number[];
  /** Stops consuming, commits what was processed, leaves the group. */
  stop(): Promise<void>;
}

/**
 * One interface, two transports (the PostgreSQL log, Kafka) and one conformance suite
 * (test/bus-conformance.test.ts). Nothing reaches consumers that did not commit: both publish
 * from the sealed log.
 */
export interface EventBus {
  readonly transport: 'postgres' | 'kafka';
  /** Moves committed events towards consumers; returns how many. */
  publish(): Promise<number>;
  /** Joins consumer group `group`; partitions are shared among the group's members. */
  subscribe(
    group: string,
    handler: EventHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  close(): Promise<void>;
}
