import { type Queryable, query } from '@kassa/db';
import type pg from 'pg';
import { foldSealedPostings } from '../journal/balances.ts';
import { canonicalEvent, chainHash, GENESIS_HASH } from './canonical.ts';
import { EVENT_COLUMNS, toRecordedEvent } from './read.ts';

/** Sent when the chain grows; bus consumers listen for it. The payload is the new head position. */
export const SEALED_CHANNEL = 'kassa_ledger_sealed';

/** Only one sealer writes the chain at a time; others find the lock taken and leave. */
export const SEAL_LOCK = 0x6b617373; // "kass"

/**
 * Why a sealer: a global hash chain needs one order, and assigning it while appending would
 * make every writer wait for the previous one's commit (and its fsync). Instead appends commit
 * concurrently and only queue their events; the sealer then chains committed events in batches:
 * positions 1, 2, 3... in the order it finds them, each hash covering the previous one.
 * An event that commits late is simply sealed in a later batch, so nothing is ever skipped.
 * In the same transaction the sealer folds the batch's postings into the balance rows of
 * unflagged accounts (foldSealedPostings): being their only writer, it never contends.
 *
 * Seals one batch; returns how many events it chained (0 if the queue was empty or another
 * sealer is at work).
 */
export async function sealBatch(pool: pg.Pool, batchSize = 5000): Promise<number> {
  return underSealLock(pool, 'try', (tx) => sealLocked(tx, batchSize));
}

/**
 * Runs `work` in a transaction holding SEAL_LOCK: taken if free (`try`, 0 without running
 * `work` when another sealer holds it) or waited for (`wait`).
 */
async function underSealLock(
  pool: pg.Pool,
  mode: 'try' | 'wait',
  work: (tx: pg.PoolClient) => Promise<number>,
): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (mode === 'wait') {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
    } else {
      const [lock] = await query<{ locked: boolean }>(
        client,
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [SEAL_LOCK],
      );
      if (!lock?.locked) {
        await client.query('ROLLBACK');
        return 0;
      }
    }
    const done = await work(client);
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Seals one batch; the caller holds SEAL_LOCK in the transaction `tx`. */
export async function sealLocked(tx: Queryable, batchSize: number): Promise<number> {
  const queued = await query<{ event_seq: bigint }>(
    tx,
    `DELETE FROM ledger_seal_queue WHERE event_seq IN (
       SELECT event_seq FROM ledger_seal_queue ORDER BY event_seq LIMIT $1
     ) RETURNING event_seq`,
    [batchSize],
  );
  if (queued.length === 0) return 0;
  const [head] = await query<{ position: bigint; hash: Buffer }>(
    tx,
    'SELECT position, hash FROM ledger_chain ORDER BY position DESC LIMIT 1',
  );
  const events = (
    await query<Parameters<typeof toRecordedEvent>[0]>(
      tx,
      `SELECT ${EVENT_COLUMNS.replace('c.position', 'NULL::bigint AS position')} FROM ledger_events e
        WHERE e.seq = ANY($1::bigint[]) ORDER BY e.seq`,
      [queued.map((q) => q.event_seq.toString())],
    )
  ).map(toRecordedEvent);

  let position = head?.position ?? 0n;
  let previous = head?.hash ?? GENESIS_HASH;
  const positions: string[] = [];
  const seqs: string[] = [];
  const hashes: Buffer[] = [];
  for (const event of events) {
    position += 1n;
    const hash = chainHash(previous, canonicalEvent({ ...event, position }));
    positions.push(position.toString());
    seqs.push(event.seq.toString());
    hashes.push(hash);
    previous = hash;
  }
  // Hashes travel once, as hex; each row's prev_hash is the hash of the row before it.
  await tx.query(
    `INSERT INTO ledger_chain (position, event_seq, prev_hash, hash)
     SELECT position, seq, coalesce(lag(hash) OVER (ORDER BY position), $4::bytea), hash
       FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(position, seq, hex)
       CROSS JOIN LATERAL (SELECT decode(hex, 'hex') AS hash) h`,
    [positions, seqs, hashes.map((h) => h.toString('hex')), head?.hash ?? GENESIS_HASH],
  );
  await foldSealedPostings(tx, seqs);
  await tx.query('SELECT pg_notify($1, $2)', [SEALED_CHANNEL, position.toString()]);
  return events.length;
}

/** Seals until the queue is empty (or another sealer holds the lock). Returns the total. */
export async function sealAll(pool: pg.Pool, batchSize?: number): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await sealBatch(pool, batchSize);
    total += sealed;
    if (sealed === 0) return total;
  }
}

/**
 * Seals now if the queue holds events of `merchantId`, waiting for a sealer already at work
 * instead of leaving: afterwards every event of the merchant's that committed before the call
 * has a position. A reader that lists by position calls it first, so it sees its own writes
 * without waiting for the background sealer. Returns how many events it chained.
 */
export async function sealQueuedOf(pool: pg.Pool, merchantId: string): Promise<number> {
  const [pending] = await query<{ queued: boolean }>(
    pool,
    `SELECT EXISTS (SELECT 1 FROM ledger_seal_queue q JOIN ledger_events e ON e.seq = q.event_seq
                     WHERE e.merchant_id = $1) AS queued`,
    [merchantId],
  );
  if (!pending?.queued) return 0;
  return underSealLock(pool, 'wait', async (tx) => {
    let total = 0;
    for (;;) {
      const sealed = await sealLocked(tx, 5000);
      if (sealed === 0) return total;
      total += sealed;
    }
  });
}

/**
 * Seals everything in the queue, waiting for a sealer already at work instead of leaving (as
 * sealAll does): afterwards every event that committed before the call has a position. For a
 * reader that must see all that happened before it started (a settlement close, a
 * reconciliation), whatever the background sealer is doing. Returns how many it chained.
 */
export async function sealCommitted(pool: pg.Pool): Promise<number> {
  const [pending] = await query<{ queued: boolean }>(
    pool,
    'SELECT EXISTS (SELECT 1 FROM ledger_seal_queue) AS queued',
  );
  if (!pending?.queued) return 0;
  return underSealLock(pool, 'wait', async (tx) => {
    let total = 0;
    for (;;) {
      const sealed = await sealLocked(tx, 5000);
      if (sealed === 0) return total;
      total += sealed;
    }
  });
}

/**
 * Keeps the chain up to date in the background: polls the seal queue, quickly while there is
 * work and backing off to `idleMs` when there is none. (Appenders do not NOTIFY: see
 * insertEvents.) Consumers are woken by the NOTIFY each sealed batch sends.
 */
export class Sealer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private idle = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: {
      busyMs?: number;
      idleMs?: number;
      onError?: (error: unknown) => void;
      /**
       * A bus that publishes elsewhere (Kafka): each tick publishes through it (which seals
       * first), so this loop is also the outbox relay.
       */
      relay?: { publish(): Promise<number> };
    } = {},
  ) {}

  async start(): Promise<void> {
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let sealed = 0;
    try {
      sealed = this.options.relay ? await this.options.relay.publish() : await sealAll(this.pool);
    } catch (error) {
      this.options.onError?.(error);
    }
    // Busy: come back soon. Idle: back off step by step up to idleMs.
    this.idle = sealed > 0 ? 0 : this.idle + 1;
    const busy = this.options.busyMs ?? 10;
    this.schedule(Math.min(this.options.idleMs ?? 200, busy * 2 ** Math.min(this.idle, 5)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
