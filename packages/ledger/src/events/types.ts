export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who and what caused an event; travels with it through the bus to every consumer. */
export interface EventMetadata {
  actor?: string;
  requestId?: string;
  /** W3C trace context of the request that caused the event. */
  traceparent?: string;
  idempotencyKey?: string;
  [key: string]: JsonValue | undefined;
}

export interface NewEvent {
  type: string;
  data: JsonObject;
  metadata?: EventMetadata;
  /** This event's bus partition key, when it differs from the append's `merchantId`. */
  merchantId?: string | null;
}

export interface RecordedEvent {
  /** Insertion order; not meaningful across streams. */
  seq: bigint;
  id: string;
  stream: string;
  version: number;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  merchantId: string | null;
  occurredAt: Date;
  /** Global position in the chain; null until the sealer has chained the event. */
  position: bigint | null;
}

/** What the writer believes the stream's current version is. */
export type ExpectedVersion = number | 'any' | 'no_stream';
