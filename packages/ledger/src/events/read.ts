import {
  type LedgerChainLinkRecord,
  type LedgerEventRecord,
  type Queryable,
  query,
} from '@kassa/db';
import type { EventMetadata, JsonObject, RecordedEvent } from './types.ts';

/**
 * A ledger_events row (EVENT_COLUMNS) and its chain position: null when the event is not sealed
 * yet (the LEFT JOIN finds no ledger_chain row). `data` and `metadata` are jsonb, which the
 * schema types as any JSON value; appendToStream, their only writer, stores objects of these
 * shapes (NewEvent's), so they are narrowed to them.
 */
type EventRow = Omit<LedgerEventRecord, 'data' | 'metadata'> & {
  data: JsonObject;
  metadata: EventMetadata;
  position: LedgerChainLinkRecord['position'] | null;
};

export const EVENT_COLUMNS = `e.seq, e.id, e.stream, e.version, e.type, e.data, e.metadata, e.merchant_id,
  e.occurred_at, c.position`;

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    seq: row.seq,
    id: row.id,
    stream: row.stream,
    version: row.version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    merchantId: row.merchant_id,
    occurredAt: row.occurred_at,
    position: row.position,
  };
}

/**
 * Events in global order, after `position`. Only sealed events have a position, and positions
 * become visible strictly in order (one sealer commits at a time), so a reader that remembers
 * the last position it saw never skips an event, however late its transaction committed.
 */
export async function readLog(
  db: Queryable,
  options: { after?: bigint; limit?: number } = {},
): Promise<Array<RecordedEvent & { position: bigint }>> {
  const rows = await query<EventRow>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_chain c JOIN ledger_events e ON e.seq = c.event_seq
      WHERE c.position > $1 ORDER BY c.position LIMIT $2`,
    [options.after ?? 0n, options.limit ?? 1000],
  );
  return rows.map(toRecordedEvent) as Array<RecordedEvent & { position: bigint }>;
}

/** One stream's events in version order, sealed or not (a writer sees its own appends). */
export async function readStream(
  db: Queryable,
  stream: string,
  options: { fromVersion?: number } = {},
): Promise<RecordedEvent[]> {
  const rows = await query<EventRow>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_events e LEFT JOIN ledger_chain c ON c.event_seq = e.seq
      WHERE e.stream = $1 AND e.version >= $2 ORDER BY e.version`,
    [stream, options.fromVersion ?? 1],
  );
  return rows.map(toRecordedEvent);
}

/** The highest sealed position (0 when the log is empty). */
export async function headPosition(db: Queryable): Promise<bigint> {
  const [row] = await query<{ position: bigint | null }>(
    db,
    'SELECT max(position) AS position FROM ledger_chain',
  );
  return row?.position ?? 0n;
}

export async function readEventById(db: Queryable, id: string): Promise<RecordedEvent> {
  const [row] = await query<EventRow>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_events e LEFT JOIN ledger_chain c ON c.event_seq = e.seq WHERE e.id = $1`,
    [id],
  );
  if (!row) throw new Error(`no event ${id}`);
  return toRecordedEvent(row);
}

/** What one merchant may read of the log: its streams' events, never the journal's `ledger.*`. */
export interface MerchantLogQuery {
  merchantId: string;
  /** Only the events about an object of this mode (`data.object.livemode`, as Kassa writes them). */
  livemode: boolean;
  /** One type (`refund.created`) or a family (`payment_intent.*`). */
  type?: string;
  occurredAt?: { gt?: Date; gte?: Date; lt?: Date; lte?: Date };
  /** Positions strictly below (older) or above (newer): the cursors of a paging reader. */
  before?: bigint;
  after?: bigint;
  limit: number;
}

const MERCHANT_VISIBLE = `e.merchant_id = $1 AND e.type NOT LIKE 'ledger.%'
  AND (e.data->'object'->>'livemode')::boolean = $2`;

/**
 * A merchant's sealed events by chain position: newest first, or oldest first after `after`.
 * Paging by position (not insertion order) is what makes a poller safe: an event whose
 * transaction committed late gets a position above every one already handed out, so a reader
 * asking for what is newer than its last page finds it instead of skipping it.
 */
export async function readMerchantLog(
  db: Queryable,
  q: MerchantLogQuery,
): Promise<Array<RecordedEvent & { position: bigint }>> {
  const values: unknown[] = [q.merchantId, q.livemode];
  const where = [MERCHANT_VISIBLE];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (q.type?.endsWith('.*'))
    add('e.type LIKE ?', `${q.type.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
  else if (q.type) add('e.type = ?', q.type);
  const at = q.occurredAt ?? {};
  if (at.gt) add('e.occurred_at > ?', at.gt);
  if (at.gte) add('e.occurred_at >= ?', at.gte);
  if (at.lt) add('e.occurred_at < ?', at.lt);
  if (at.lte) add('e.occurred_at <= ?', at.lte);
  if (q.before !== undefined) add('c.position < ?', q.before);
  if (q.after !== undefined) add('c.position > ?', q.after);
  values.push(q.limit);
  const rows = await query<EventRow>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_events e JOIN ledger_chain c ON c.event_seq = e.seq
      WHERE ${where.join(' AND ')}
      ORDER BY c.position ${q.after !== undefined ? 'ASC' : 'DESC'} LIMIT $${values.length}`,
    values,
  );
  return rows.map(toRecordedEvent) as Array<RecordedEvent & { position: bigint }>;
}

/** One event of the merchant's (as readMerchantLog would show it), sealed or not yet. */
export async function findMerchantEvent(
  db: Queryable,
  q: { merchantId: string; livemode: boolean; id: string },
): Promise<RecordedEvent | undefined> {
  const [row] = await query<EventRow>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_events e LEFT JOIN ledger_chain c ON c.event_seq = e.seq
      WHERE ${MERCHANT_VISIBLE} AND e.id = $3`,
    [q.merchantId, q.livemode, q.id],
  );
  return row && toRecordedEvent(row);
}

/** The event `id`, or undefined: for workers that hold an id from their own table. */
export async function findEventById(db: Queryable, id: string): Promise<RecordedEvent | undefined> {
  const [row] = await query<EventRow>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_events e LEFT JOIN ledger_chain c ON c.event_seq = e.seq WHERE e.id = $1`,
    [id],
  );
  return row && toRecordedEvent(row);
}
