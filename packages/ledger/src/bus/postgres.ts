import { randomBytes } from 'node:crypto';
import { type BusOffsetRecord, query } from '@kassa/db';
import type pg from 'pg';
import { headPosition, readLog } from '../events/read.ts';
import { SEALED_CHANNEL, sealAll } from '../events/sealer.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  recordDeadLetter,
  redeliverDeadLetters,
  retryDelayMs,
} from './dead-letters.ts';
import { int32Of, partitionKeyOf, partitionOf } from './partition.ts';
import type { BusEvent, EventBus, EventHandler, SubscribeOptions, Subscription } from './types.ts';

export interface PostgresBusOptions {
  /** Partitions of the log per consumer group (a fixed deployment setting). */
  partitions?: number;
  /** Fallback poll when no notification arrives. */
  pollMs?: number;
  /** How often members re-share partitions and heartbeat. */
  rebalanceMs?: number;
  batchSize?: number;
}

/** A live session that stopped heartbeating (a hung process) counts as gone after this long. */
const MEMBER_TIMEOUT_MS = 30_000;

/**
 * The event bus on the PostgreSQL log itself: the sealed chain is the topic, `bus_offsets` holds
 * each group's committed position per partition, and a member owns a partition while it holds
 * a session advisory lock on (group, partition), so two members of a group can never process
 * one partition at once. The lock dies with the member's connection; offsets are committed on
 * that same connection, so a member that lost its lock cannot commit over its successor.
 */
export class PostgresBus implements EventBus {
  readonly transport = 'postgres';
  private readonly subscriptions = new Set<PostgresSubscription>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresBusOptions = {},
  ) {}

  /** The log is the topic: publishing is sealing what has committed. */
  publish(): Promise<number> {
    return sealAll(this.pool);
  }

  async subscribe(
    group: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const subscription = new PostgresSubscription(this.pool, group, handler, {
      ...this.options,
      ...options,
    });
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
  }
}

class PostgresSubscription implements Subscription {
  readonly memberId = `member_${randomBytes(6).toString('hex')}`;
  private readonly partitionCount: number;
  private readonly groupKey: number;
  private connection: pg.PoolClient | undefined;
  private readonly offsets = new Map<number, bigint>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private lastRebalance = 0;
  private broken = false;
  /** The event each partition is failing on, how often in a row, and when to try it again. */
  private readonly failures = new Map<
    number,
    { position: bigint; count: number; retryAt: number }
  >();

  constructor(
    private readonly pool: pg.Pool,
    private readonly group: string,
    private readonly handler: EventHandler,
    private readonly options: PostgresBusOptions & SubscribeOptions,
  ) {
    this.partitionCount = options.partitions ?? 16;
    this.groupKey = int32Of(`kassa_bus:${group}`);
  }

  partitions(): number[] {
    return [...this.offsets.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    await this.connect();
    this.running = true;
    this.loop = this.run();
  }

  /**
   * The member's session: it holds the partition locks, receives notifications and commits
   * offsets. If it breaks (server restart, failover, terminated backend), the locks are gone with
   * it, so the member drops its partitions at once and reconnects to claim them again.
   */
  private async connect(): Promise<void> {
    const connection = await this.pool.connect();
    try {
      connection.on('notification', () => this.wakeUp?.());
      connection.on('error', () => {
        if (this.connection !== connection) return;
        this.broken = true;
        this.offsets.clear();
        this.wakeUp?.();
      });
      await connection.query(`LISTEN ${SEALED_CHANNEL}`);
      this.connection = connection;
      this.broken = false;
      await this.rebalance();
    } catch (error) {
      await connection.query('SELECT pg_advisory_unlock_all()').catch(() => {});
      this.release(connection, error as Error);
      throw error;
    }
  }

  private release(connection: pg.PoolClient, error?: Error): void {
    connection.removeAllListeners('notification');
    connection.removeAllListeners('error');
    connection.on('error', () => {}); // a late error on a destroyed connection is no one's concern
    connection.release(error ?? false);
    if (this.connection === connection) this.connection = undefined;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    const connection = this.connection;
    this.offsets.clear();
    if (!connection) return;
    try {
      await connection.query('DELETE FROM bus_members WHERE "group" = $1 AND member_id = $2', [
        this.group,
        this.memberId,
      ]);
      await connection.query(`UNLISTEN ${SEALED_CHANNEL}`);
      await connection.query('SELECT pg_advisory_unlock_all()');
      this.release(connection);
    } catch (error) {
      this.release(connection, error as Error);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delivered = 0;
      try {
        if (this.broken || !this.connection) {
          const old = this.connection;
          if (old) this.release(old, new Error('connection lost'));
          await this.connect();
        }
        if (Date.now() - this.lastRebalance >= (this.options.rebalanceMs ?? 1000)) {
          await this.rebalance();
          delivered += await redeliverDeadLetters(this.pool, this.group, this.handler);
        }
        delivered += await this.deliverBatch();
        failures = 0;
      } catch {
        failures += 1; // connection trouble: back off, then try again
      }
      if (delivered === 0 && this.running) {
        const wait =
          failures > 0 ? Math.min(5000, 100 * 2 ** failures) : (this.options.pollMs ?? 250);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }

  /** Heartbeat, then take or give back partitions so each live member owns its fair share. */
  private async rebalance(): Promise<void> {
    const db = this.connection as pg.PoolClient;
    this.lastRebalance = Date.now();
    await db.query(
      `INSERT INTO bus_members ("group", member_id, pid, heartbeat_at) VALUES ($1, $2, pg_backend_pid(), now())
       ON CONFLICT ("group", member_id) DO UPDATE SET heartbeat_at = now(), pid = pg_backend_pid()`,
      [this.group, this.memberId],
    );
    // A member is live while its session is: one that crashed leaves at once, not after a timeout.
    await db.query(
      `DELETE FROM bus_members m WHERE "group" = $1
         AND (NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = m.pid)
              OR heartbeat_at < now() - make_interval(secs => $2))`,
      [this.group, MEMBER_TIMEOUT_MS / 1000],
    );
    const [members] = await query<{ n: bigint }>(
      db,
      'SELECT count(*)::bigint AS n FROM bus_members WHERE "group" = $1',
      [this.group],
    );
    const fairShare = Math.ceil(this.partitionCount / Math.max(1, Number(members?.n ?? 1)));

    for (const partition of this.partitions().reverse()) {
      if (this.offsets.size <= fairShare) break;
      await this.commit([partition]);
      await db.query('SELECT pg_advisory_unlock($1, $2)', [this.groupKey, partition]);
      this.offsets.delete(partition);
    }
    const candidates = Array.from({ length: this.partitionCount }, (_, p) => p)
      .filter((p) => !this.offsets.has(p))
      .sort(() => Math.random() - 0.5);
    for (const partition of candidates) {
      if (this.offsets.size >= fairShare) break;
      const [lock] = await query<{ locked: boolean }>(
        db,
        'SELECT pg_try_advisory_lock($1, $2) AS locked',
        [this.groupKey, partition],
      );
      if (lock?.locked) this.offsets.set(partition, await this.startingOffset(partition));
    }
  }

  private async startingOffset(partition: number): Promise<bigint> {
    const db = this.connection as pg.PoolClient;
    const [row] = await query<Pick<BusOffsetRecord, 'position'>>(
      db,
      'SELECT position FROM bus_offsets WHERE "group" = $1 AND partition = $2',
      [this.group, partition],
    );
    if (row) return row.position;
    const start = this.options.startFrom === 'end' ? await headPosition(db) : 0n;
    await db.query(
      `INSERT INTO bus_offsets ("group", partition, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [this.group, partition, start.toString()],
    );
    const [stored] = await query<Pick<BusOffsetRecord, 'position'>>(
      db,
      'SELECT position FROM bus_offsets WHERE "group" = $1 AND partition = $2',
      [this.group, partition],
    );
    return stored?.position ?? start;
  }

  /**
   * Reads the log from the lowest offset of the partitions ready to go on, hands each event of
   * its partitions to the handler in log order, then commits. A failed event blocks only its own
   * partition, which sits out the reads until its retry is due (so it does not hold the read
   * position back for the others), and after maxAttempts failures in a row becomes a dead letter.
   */
  private async deliverBatch(): Promise<number> {
    const now = Date.now();
    const waiting = new Set(
      [...this.failures]
        .filter(([partition, failure]) => this.offsets.has(partition) && failure.retryAt > now)
        .map(([partition]) => partition),
    );
    const ready = [...this.offsets].filter(([partition]) => !waiting.has(partition));
    if (ready.length === 0) return 0;
    // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.min cannot take
    const from = ready.map(([, offset]) => offset).reduce((a, b) => (a < b ? a : b));
    const events = await readLog(this.connection as pg.PoolClient, {
      after: from,
      limit: this.options.batchSize ?? 500,
    });
    if (events.length === 0) return 0;
    const blocked = new Set(waiting);
    let delivered = 0;
    for (const event of events) {
      // Lost the session (and with it the locks): another member may own these partitions now.
      if (!this.running || this.broken) break;
      const partitionKey = partitionKeyOf(event);
      const partition = partitionOf(partitionKey, this.partitionCount);
      const offset = this.offsets.get(partition);
      if (offset === undefined || blocked.has(partition) || event.position <= offset) continue;
      const busEvent: BusEvent = { ...event, partitionKey };
      try {
        await this.handler(busEvent);
        this.offsets.set(partition, event.position);
        this.failures.delete(partition);
        delivered += 1;
      } catch (error) {
        this.options.onError?.(error, busEvent);
        const previous = this.failures.get(partition);
        const count = previous?.position === event.position ? previous.count + 1 : 1;
        if (count >= (this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
          // Set aside (before the offset moves past it): the partition goes on without it.
          await recordDeadLetter(
            this.connection as pg.PoolClient,
            this.group,
            busEvent,
            count,
            error,
          );
          this.options.onDeadLetter?.(busEvent, error);
          this.failures.delete(partition);
          this.offsets.set(partition, event.position);
          delivered += 1;
        } else {
          const retryAt = Date.now() + retryDelayMs(count, this.options.retryBaseMs);
          this.failures.set(partition, { position: event.position, count, retryAt });
          blocked.add(partition);
        }
      }
    }
    // Partitions that had nothing (more) in this stretch of the log have still been read to its end.
    const scanned = events.at(-1)?.position as bigint;
    let advanced = delivered;
    for (const [partition, offset] of this.offsets) {
      if (!blocked.has(partition) && offset < scanned && this.running && !this.broken) {
        this.offsets.set(partition, scanned);
        advanced += 1;
      }
    }
    await this.commit(this.partitions());
    // Without progress (only failing events left) the loop waits before retrying them.
    return advanced;
  }

  private async commit(partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    await (this.connection as pg.PoolClient).query(
      `UPDATE bus_offsets o SET position = v.position, updated_at = now()
         FROM unnest($2::int[], $3::bigint[]) AS v(partition, position)
        WHERE o."group" = $1 AND o.partition = v.partition AND o.position < v.position`,
      [this.group, partitions, partitions.map((p) => (this.offsets.get(p) ?? 0n).toString())],
    );
  }
}
