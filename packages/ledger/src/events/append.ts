import { newId } from '@kassa/contracts';
import { type LedgerEventRecord, type LedgerStreamRecord, type Queryable, query } from '@kassa/db';
import { InvalidEventError, StreamVersionConflictError } from '../errors.ts';
import { idempotent } from './idempotency.ts';
import type { EventMetadata, ExpectedVersion, JsonValue, NewEvent } from './types.ts';

export interface AppendInput {
  stream: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
  /** Bus partition key: the merchant the events belong to, or null for platform events. */
  merchantId?: string | null;
  /** Same key and same request: the first append's result, nothing written. Different request: an error. */
  idempotencyKey?: string;
  /**
   * When the events happened, by the caller's clock (the payments domain passes its injected
   * Clock, so a test can book a capture on a chosen day). Unset: the database's now().
   */
  occurredAt?: Date;
}

export interface AppendResult {
  events: Array<{ id: string; seq: string; version: number; occurredAt: string }>;
  /** The version the stream is at after this append. */
  version: number;
  /** True when an earlier append with the same idempotency key answered instead. */
  replayed: boolean;
}

const STREAM_PATTERN = /^[a-z][a-z0-9_]*:[A-Za-z0-9_\-.:]{1,200}$/;
const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * Appends events to one stream, inside the caller's transaction, so they commit (or not)
 * together with whatever else the caller writes: the read model, the idempotency record.
 *
 * Invariants, kept here and by the schema:
 * - versions within a stream are 1, 2, 3... (unique (stream, version), checked head row);
 * - a stale `expectedVersion` fails with StreamVersionConflictError and writes nothing;
 * - a reused idempotency key returns the first result; concurrent appends with one key wait
 *   for the first to commit (the key row is reserved before anything else is written).
 */
export async function appendToStream(
  tx: Queryable,
  input: AppendInput,
  internal?: typeof JOURNAL,
): Promise<AppendResult> {
  validate(input, internal === JOURNAL);
  const request = {
    stream: input.stream,
    expectedVersion: input.expectedVersion,
    merchantId: input.merchantId ?? null,
    events: input.events.map((e) => ({
      type: e.type,
      data: e.data,
      merchantId: e.merchantId ?? null,
    })),
  };
  const { result, replayed } = await idempotent(tx, input.idempotencyKey, request, async () => {
    const base = await advanceStream(tx, input.stream, input.expectedVersion, input.events.length);
    const rows = await insertEvents(
      tx,
      input.events.map((event, i) => ({
        stream: input.stream,
        version: base + i + 1,
        type: event.type,
        data: event.data,
        metadata: withKey(event, input.idempotencyKey),
        merchant_id: event.merchantId === undefined ? (input.merchantId ?? null) : event.merchantId,
      })),
      input.occurredAt ?? null,
    );
    return {
      events: rows.map((r) => ({
        id: r.id,
        seq: r.seq.toString(),
        version: r.version,
        occurredAt: r.occurred_at.toISOString(),
      })),
      version: base + input.events.length,
    };
  });
  return { ...result, replayed };
}

/** Lets the journal append its own `ledger.*` events; no one else can (the key is not exported). */
export const JOURNAL = Symbol('journal');

function validate(input: AppendInput, journal: boolean): void {
  if (!STREAM_PATTERN.test(input.stream)) {
    throw new InvalidEventError(`stream "${input.stream}" must look like "<kind>:<id>"`);
  }
  if (input.events.length === 0) throw new InvalidEventError('an append needs at least one event');
  for (const event of input.events) {
    if (!TYPE_PATTERN.test(event.type)) {
      throw new InvalidEventError(
        `event type "${event.type}" must look like "payment_intent.created"`,
      );
    }
    // The journal's events carry money movements; only the journal (which checks them) writes them.
    if (event.type.startsWith('ledger.') && !journal) {
      throw new InvalidEventError(
        `event type "${event.type}" is reserved for the journal (bookEntry, holds)`,
      );
    }
    checkNumbers(event.data, event.type);
  }
  const expected = input.expectedVersion;
  if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
    throw new InvalidEventError(
      'expectedVersion must be a non-negative integer, "any" or "no_stream"',
    );
  }
}

/**
 * Event data holds numbers only as safe integers (money travels as strings of minor units): a
 * fraction or a huge number would not survive JSON parsing exactly, and the hash chain covers
 * the data as parsed.
 */
function checkNumbers(value: JsonValue | undefined, type: string): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidEventError(
        `event ${type}: numbers in event data must be safe integers; got ${value}`,
      );
    }
  } else if (Array.isArray(value)) {
    for (const item of value) checkNumbers(item, type);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) checkNumbers(item, type);
  }
}

function withKey(event: NewEvent, idempotencyKey: string | undefined) {
  const metadata = { ...event.metadata };
  if (idempotencyKey) metadata.idempotencyKey = idempotencyKey;
  return metadata;
}

/** Checks `expected` against the stream's head and moves the head; returns the old version. */
async function advanceStream(
  tx: Queryable,
  stream: string,
  expected: ExpectedVersion,
  count: number,
): Promise<number> {
  if (expected === 'any') {
    const [row] = await query<Pick<LedgerStreamRecord, 'version'>>(
      tx,
      `INSERT INTO ledger_streams (stream, version) VALUES ($1, $2)
       ON CONFLICT (stream) DO UPDATE SET version = ledger_streams.version + $2 RETURNING version`,
      [stream, count],
    );
    return (row?.version ?? count) - count;
  }
  if (expected === 'no_stream' || expected === 0) {
    const created = await query(
      tx,
      'INSERT INTO ledger_streams (stream, version) VALUES ($1, $2) ON CONFLICT (stream) DO NOTHING RETURNING stream',
      [stream, count],
    );
    if (created.length === 0) throw new StreamVersionConflictError(stream, 'no stream yet');
    return 0;
  }
  const advanced = await query(
    tx,
    'UPDATE ledger_streams SET version = version + $3 WHERE stream = $1 AND version = $2 RETURNING stream',
    [stream, expected, count],
  );
  if (advanced.length === 0) throw new StreamVersionConflictError(stream, `version ${expected}`);
  return expected;
}

/**
 * The columns of a new ledger_events row the append writes (`id` is drawn in insertEvents; `seq`
 * and `occurred_at` are the database's). `data` and `metadata` are narrowed from the schema's
 * any-JSON to the objects an append takes.
 */
type EventRow = Pick<LedgerEventRecord, 'stream' | 'version' | 'type' | 'merchant_id'> & {
  data: NewEvent['data'];
  metadata: EventMetadata;
};

/** What insertEvents reads back of each row it wrote. */
type InsertedEvent = Pick<LedgerEventRecord, 'seq' | 'id' | 'version' | 'stream' | 'occurred_at'>;

/**
 * Inserts events and queues them for sealing, in one statement. No NOTIFY here: PostgreSQL
 * serialises the commits of every transaction that notified (a global lock on the notify queue),
 * which would undo concurrent appends; sealers poll the queue instead (see Sealer).
 */
async function insertEvents(
  tx: Queryable,
  events: EventRow[],
  occurredAt: Date | null,
): Promise<InsertedEvent[]> {
  const rows = await query<InsertedEvent>(
    tx,
    `WITH inserted AS (
       INSERT INTO ledger_events (id, stream, version, type, data, metadata, merchant_id, occurred_at)
       SELECT *, COALESCE($8::timestamptz, now())
         FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[])
       RETURNING seq, id, version, stream, occurred_at
     ), queued AS (
       INSERT INTO ledger_seal_queue (event_seq) SELECT seq FROM inserted
     )
     SELECT seq, id, version, stream, occurred_at FROM inserted ORDER BY seq`,
    [
      events.map(() => newId('event')),
      events.map((e) => e.stream),
      events.map((e) => e.version),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
      events.map((e) => e.merchant_id),
      occurredAt,
    ],
  );
  return rows;
}
