import { type BusDeadLetterRecord, type Queryable, query } from '@kassa/db';
import type pg from 'pg';
import { readEventById } from '../events/read.ts';
import type { BusEvent, EventHandler } from './types.ts';

/** Tries before an event is set aside, unless the subscription says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** The wait before try n + 1 of a failing event: 100 ms doubling, at most 30 s. */
export const retryDelayMs = (failures: number, baseMs = 100) =>
  Math.min(30_000, baseMs * 2 ** Math.max(0, failures - 1));

export type DeadLetterStatus = 'dead' | 'retry_requested' | 'retrying' | 'delivered';

/** A row of bus_dead_letters (schema.prisma: BusDeadLetter), its status narrowed to the four it takes. */
export type DeadLetter = Omit<BusDeadLetterRecord, 'status'> & { status: DeadLetterStatus };

/** Only the message: an error's stack or cause could carry what a handler was working on. */
const messageOf = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);

/** Sets `event` aside for `group` after `attempts` failed tries (again, if it was retried). */
export async function recordDeadLetter(
  db: Queryable,
  group: string,
  event: BusEvent,
  attempts: number,
  error: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO bus_dead_letters ("group", event_id, position, partition_key, attempts, error)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT ("group", event_id) DO UPDATE
       SET attempts = bus_dead_letters.attempts + EXCLUDED.attempts, error = EXCLUDED.error,
           status = 'dead', dead_at = now()`,
    [group, event.id, event.position.toString(), event.partitionKey, attempts, messageOf(error)],
  );
}

export async function listDeadLetters(
  db: Queryable,
  filter: { group?: string; status?: DeadLetterStatus; limit?: number } = {},
): Promise<DeadLetter[]> {
  return query<DeadLetter>(
    db,
    `SELECT id, "group", event_id, position, partition_key, attempts, error, status, dead_at, retried_at
       FROM bus_dead_letters
      WHERE ($1::text IS NULL OR "group" = $1) AND ($2::text IS NULL OR status = $2)
      ORDER BY id LIMIT $3`,
    [filter.group ?? null, filter.status ?? null, filter.limit ?? 100],
  );
}

/**
 * Asks the group's consumers to deliver dead letters once more (all of the group's, or the
 * given ids). Returns how many were dead and are now waiting for a member to take them.
 */
export async function requestDeadLetterRetry(
  db: Queryable,
  group: string,
  ids?: bigint[],
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE bus_dead_letters SET status = 'retry_requested'
      WHERE "group" = $1 AND status = 'dead' AND ($2::bigint[] IS NULL OR id = ANY($2))`,
    [group, ids ? ids.map(String) : null],
  );
  return rowCount ?? 0;
}

/**
 * A consumer's part in a retry: claims the group's dead letters whose retry was asked for (each
 * by one member: SKIP LOCKED, then status retrying), hands each event to the handler again, and
 * marks it delivered, or dead once more with its new error. Returns how many were delivered.
 * Retried events arrive out of their partition's order: the group went on without them.
 */
export async function redeliverDeadLetters(
  pool: pg.Pool,
  group: string,
  handler: EventHandler,
  limit = 20,
): Promise<number> {
  const claimed = await query<Pick<DeadLetter, 'id' | 'event_id' | 'position' | 'partition_key'>>(
    pool,
    `UPDATE bus_dead_letters SET status = 'retrying', retried_at = now()
      WHERE id IN (SELECT id FROM bus_dead_letters
                    WHERE "group" = $1 AND (status = 'retry_requested'
                      -- taken by a member that died before it finished
                      OR (status = 'retrying' AND retried_at < now() - interval '5 minutes'))
                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING id, event_id, position, partition_key`,
    [group, limit],
  );
  let delivered = 0;
  for (const letter of claimed) {
    const event = await readEventById(pool, letter.event_id);
    try {
      await handler({ ...event, position: letter.position, partitionKey: letter.partition_key });
      await pool.query(`UPDATE bus_dead_letters SET status = 'delivered' WHERE id = $1`, [
        letter.id,
      ]);
      delivered += 1;
    } catch (error) {
      await pool.query(
        `UPDATE bus_dead_letters SET status = 'dead', attempts = attempts + 1, error = $2 WHERE id = $1`,
        [letter.id, messageOf(error)],
      );
    }
  }
  return delivered;
}
