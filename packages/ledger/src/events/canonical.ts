import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { RecordedEvent } from './types.ts';

/** The hash before position 1. */
export const GENESIS_HASH = Buffer.alloc(32);

/**
 * The bytes an event's hash covers: RFC 8785 canonical JSON of everything that defines the event,
 * including its position, so neither its content nor its place in the log can change unnoticed.
 */
export function canonicalEvent(event: RecordedEvent & { position: bigint }): string {
  const canonical = canonicalize({
    position: event.position.toString(),
    id: event.id,
    stream: event.stream,
    version: event.version,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    merchantId: event.merchantId,
    occurredAt: event.occurredAt.toISOString(),
  });
  if (canonical === undefined) throw new Error(`event ${event.id} cannot be canonicalized`);
  return canonical;
}

/** hash(n) = SHA-256(hash(n-1) || canonical form of event n). */
export function chainHash(previous: Buffer, canonical: string): Buffer {
  return createHash('sha256').update(previous).update(canonical, 'utf8').digest();
}
