import { type Event, eventFromLog, type listEventsInput } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import {
  findMerchantEvent,
  type RecordedEvent,
  readMerchantLog,
  sealQueuedOf,
} from '@kassa/ledger';
import type pg from 'pg';
import type { z } from 'zod';
import type { Principal } from '../context.ts';
import { invalidRequest, notFound } from '../errors.ts';

/**
 * The merchant's events are the ledger's own log (read through @kassa/ledger): every event of
 * the merchant's streams except the journal's internal `ledger.*` events, in the mode of the
 * key (the object's `livemode`).
 */
export async function loadEvent(
  db: Queryable,
  principal: Principal,
  id: string,
  param = 'id',
): Promise<RecordedEvent> {
  const event = await findMerchantEvent(db, {
    merchantId: principal.merchantId,
    livemode: principal.livemode,
    id,
  });
  if (!event) throw notFound('event', id, param);
  return event;
}

/** The merchant's view of a logged event: what events.retrieve returns and webhooks carry. */
export const eventView = (event: RecordedEvent): Event => eventFromLog(event);

const seconds = (value: number | undefined) =>
  value === undefined ? undefined : new Date(value * 1000);

/**
 * events.list: newest first in the chain's order, with cursors (`starting_after`: older,
 * `ending_before`: newer), a type or type family (`payment_intent.*`) and a created range.
 * Paging by chain position means a poller that keeps asking for what is newer than the newest
 * event it has never misses one whose transaction committed late. The merchant's events still
 * in the seal queue are sealed first, so a caller always sees its own writes.
 */
export async function listEvents(
  pool: pg.Pool,
  principal: Principal,
  input: z.output<typeof listEventsInput>,
): Promise<{ object: 'list'; data: Event[]; has_more: boolean }> {
  await sealQueuedOf(pool, principal.merchantId);
  const backwards = input.ending_before !== undefined;
  const cursorId = input.starting_after ?? input.ending_before;
  let cursor: bigint | undefined;
  if (cursorId) {
    const param = backwards ? 'ending_before' : 'starting_after';
    const event = await loadEvent(pool, principal, cursorId, param);
    if (event.position === null) {
      // Only a list hands out cursors, and lists show sealed events only.
      throw invalidRequest(
        'parameter_invalid',
        `Event ${cursorId} is not in the log's order yet: use an event from a list.`,
        param,
      );
    }
    cursor = event.position;
  }
  const created = input.created ?? {};
  const rows = await readMerchantLog(pool, {
    merchantId: principal.merchantId,
    livemode: principal.livemode,
    ...(input.type && { type: input.type }),
    occurredAt: {
      gt: seconds(created.gt),
      gte: seconds(created.gte),
      lt: seconds(created.lt),
      lte: seconds(created.lte),
    },
    ...(cursor !== undefined && (backwards ? { after: cursor } : { before: cursor })),
    limit: input.limit + 1,
  });
  const hasMore = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  if (backwards) page.reverse();
  return { object: 'list', data: page.map(eventView), has_more: hasMore };
}
