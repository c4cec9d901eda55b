import { type Queryable, query } from '@kassa/db';
import type { EventMetadata, JsonObject, RecordedEvent } from './types.ts';

interface EventRow {
  seq: bigint;
  id: string;
  stream: string;
  version: number;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  merchant_id: string | null;
  occurred_at: Date;
  position: bigint | null;
}

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
