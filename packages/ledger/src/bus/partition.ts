import { createHash } from 'node:crypto';
import type { RecordedEvent } from '../events/types.ts';

/** Per-merchant order: a merchant's events share a key; platform events are keyed by stream. */
export function partitionKeyOf(event: Pick<RecordedEvent, 'merchantId' | 'stream'>): string {
  return event.merchantId ?? event.stream;
}

/** A stable partition for a key (the same in every process and every version of Node). */
export function partitionOf(key: string, partitions: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % partitions;
}

/** A stable 32-bit number for a name, e.g. the first key of a group's advisory locks. */
export function int32Of(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}
