import { type Event, eventFromLog, type LoggedEvent, type listEventsInput } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { z } from 'zod';
import type { Principal } from '../context.ts';
import { notFound } from '../errors.ts';

interface EventRow extends LoggedEvent {
  seq: bigint;
}

/**
 * The merchant's events are the ledger's own log: every event of the merchant's streams except
 * the journal's internal `ledger.*` events, in the mode of the key (the object's `livemode`).
 */
const VISIBLE = `merchant_id = $1 AND type NOT LIKE 'ledger.%'
  AND (data->'object'->>'livemode')::boolean = $2`;

export async function loadEvent(
  db: Queryable,
  principal: Principal,
  id: string,
  param = 'id',
): Promise<EventRow> {
  const [row] = await query<EventRow>(
    db,
    `SELECT seq, id, type, data, metadata, occurred_at FROM ledger_events WHERE ${VISIBLE} AND id = $3`,
    [principal.merchantId, principal.livemode, id],
  );
  if (!row) throw notFound('event', id, param);
  return row;
}

/**
 * events.list: newest first by log order, with cursors (`starting_after`, `ending_before`), a
 * type or type family (`payment_intent.*`) and a created range.
 */
export async function listEvents(
  db: Queryable,
  principal: Principal,
  input: z.output<typeof listEventsInput>,
): Promise<{ object: 'list'; data: Event[]; has_more: boolean }> {
  const values: unknown[] = [principal.merchantId, principal.livemode];
  const where = [VISIBLE];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (input.type?.endsWith('.*')) add('type LIKE ?', `${input.type.slice(0, -1)}%`);
  else if (input.type) add('type = ?', input.type);
  const created = input.created ?? {};
  if (created.gt !== undefined) add('occurred_at > to_timestamp(?)', created.gt);
  if (created.gte !== undefined) add('occurred_at >= to_timestamp(?)', created.gte);
  if (created.lt !== undefined) add('occurred_at < to_timestamp(?)', created.lt);
  if (created.lte !== undefined) add('occurred_at <= to_timestamp(?)', created.lte);
  const backwards = input.ending_before !== undefined;
  const cursorId = input.starting_after ?? input.ending_before;
  if (cursorId) {
    const cursor = await loadEvent(
      db,
      principal,
      cursorId,
      backwards ? 'ending_before' : 'starting_after',
    );
    add(backwards ? 'seq > ?' : 'seq < ?', cursor.seq);
  }
  values.push(input.limit + 1);
  const rows = await query<EventRow>(
    db,
    `SELECT seq, id, type, data, metadata, occurred_at FROM ledger_events WHERE ${where.join(' AND ')}
      ORDER BY seq ${backwards ? 'ASC' : 'DESC'} LIMIT $${values.length}`,
    values,
  );
  const hasMore = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  if (backwards) page.reverse();
  return { object: 'list', data: page.map(eventFromLog), has_more: hasMore };
}
