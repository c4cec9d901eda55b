import { type Queryable, query } from '@kassa/db';
import type { BusEvent } from './types.ts';

/**
 * Runs `effect` for an event at most once per consumer group, inside the consumer's own
 * transaction `tx`: the marker row and the effect commit together, so a redelivered event
 * (at-least-once) finds the marker and is skipped. Returns whether the effect ran.
 */
export async function processOnce(
  tx: Queryable,
  group: string,
  event: Pick<BusEvent, 'id'>,
  effect: () => Promise<void>,
): Promise<boolean> {
  const marked = await query(
    tx,
    `INSERT INTO bus_processed_events ("group", event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
    [group, event.id],
  );
  if (marked.length === 0) return false;
  await effect();
  return true;
}
