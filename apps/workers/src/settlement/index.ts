import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@kassa/contracts';
import { query } from '@kassa/db';
import { AccountCache, type BusEvent, type EventBus, type Subscription } from '@kassa/ledger';
import {
  addDays,
  type BankClient,
  catchUp,
  checkPayoutsInTransit,
  type DayClose,
  DEFAULT_CALENDAR,
  daysBetween,
  endOf,
  lastClosedDay,
  lastEndedDay,
  projectBalanceTransactions,
  type Reconcilers,
  type ReconciliationSummary,
  reconcileThrough,
  type SettlementCalendar,
  type SettlementContext,
  sendDuePayouts,
} from '@kassa/settlement';
import type { Vault } from '@kassa/vault';
import { Cron } from 'croner';
import type pg from 'pg';

/** The consumer group of the settlement worker on the event bus. */
export const SETTLEMENT_GROUP = 'settlement';

/** The journal's events that can move a merchant's pending money (docs/settlement.md). */
const MONEY_EVENTS = new Set(['ledger.entry_posted', 'ledger.hold_posted']);

interface Log {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface SettlementWorkerOptions {
  pool: pg.Pool;
  bus: EventBus;
  clock: Clock;
  calendar: SettlementCalendar;
  log: Log;
  /** Where /healthz and /readyz listen; port 0 picks a free one. */
  health?: { host: string; port: number };
  /** Close days on the schedule (default true). Tests close by hand with `closeNow`. */
  schedule?: boolean;
  /**
   * Payouts: the vault (accounts' numbers) and the bank of each mode. A mode without a bank keeps
   * its payouts pending. Without `payouts`, this worker sends none (another one does).
   */
  /**
   * The outside files each mode is reconciled against (the acquirer's settlement report, the
   * bank's statement), before each close. A mode without them is not reconciled.
   */
  reconcile?: { test?: Reconcilers; live?: Reconcilers };
  payouts?: {
    vault: Vault;
    banks: { test?: BankClient; live?: BankClient };
    /** How often it looks for payouts to send and transfers to check (default 2 s). */
    pollMs?: number;
    checkEveryMs?: number;
    retryBaseMs?: number;
    retryCapMs?: number;
  };
}

export interface SettlementWorker {
  subscription: Subscription;
  /** The health endpoint's address, when it listens. */
  healthUrl?: string;
  /** Closes every ended day not closed yet, now (what the schedule runs at each cutoff). */
  closeNow(): Promise<DayClose[]>;
  /** Sends due payouts and checks transfers in transit, now (what the poll does). */
  payNow(): Promise<{ sent: number; settled: number }>;
  stop(): Promise<void>;
}

/**
 * The settlement worker:
 * - consumes the bus (group `settlement`, from the beginning of the log) into balance
 *   transactions, one per journal entry on a merchant's pending money, as they happen;
 * - closes each settlement day at its cutoff (croner, in UTC): funds due become available and
 *   payouts are made (@kassa/settlement closeDay). On start it catches up every day it missed,
 *   oldest first. Runs never overlap in a process; across replicas a session advisory lock lets
 *   one close at a time (a close is idempotent anyway: the lock only saves work);
 * - answers /healthz (the process is up) and /readyz (its database answers), with the last
 *   closed day.
 */
export async function startSettlementWorker(
  options: SettlementWorkerOptions,
): Promise<SettlementWorker> {
  const { pool, log } = options;
  const accounts = new AccountCache();
  const ctx: SettlementContext = {
    pool,
    clock: options.clock,
    calendar: options.calendar,
    actor: 'settlement_worker',
    accounts,
  };
  const subscription = await options.bus.subscribe(
    SETTLEMENT_GROUP,
    async (event: BusEvent) => {
      if (!event.merchantId || !MONEY_EVENTS.has(event.type)) return;
      const entryId = (event.data as { entryId?: unknown }).entryId;
      if (typeof entryId !== 'string')
        throw new Error(`${event.type} ${event.id} carries no entryId`);
      await projectBalanceTransactions(
        pool,
        { entryIds: [entryId] },
        { calendar: options.calendar },
      );
    },
    {
      startFrom: 'beginning',
      onError: (err, event) =>
        log.error({ err, event: event.id }, 'balance transaction projection failed'),
    },
  );

  let running: Promise<DayClose[]> | undefined;
  let stopped = false;
  const closeNow = (): Promise<DayClose[]> => {
    running ??= closeWithLock().finally(() => {
      running = undefined;
    });
    return running;
  };
  /**
   * Reconciles the files of every ended UTC day not reconciled yet, first (so the acquirer's
   * settlement is in the platform's cash before payouts are paid). A file that cannot be had
   * (the acquirer or bank is down) does not hold up the close: the next run tries again.
   */
  const reconcileEnded = async (): Promise<ReconciliationSummary[]> => {
    const through = lastEndedDay(options.clock.now(), DEFAULT_CALENDAR);
    const done: ReconciliationSummary[] = [];
    for (const [mode, reconcilers] of Object.entries(options.reconcile ?? {})) {
      if (!reconcilers) continue;
      try {
        const runs = await reconcileThrough(pool, through, {
          livemode: mode === 'live',
          reconcilers,
          clock: options.clock,
          calendar: options.calendar,
        });
        for (const run of runs.filter((r) => r.reconciled))
          log.info(
            {
              source: run.source,
              day: run.day,
              livemode: run.livemode,
              lines: run.lines,
              matched: run.matched,
              exceptions: run.exceptions,
            },
            run.exceptions > 0 ? 'reconciled, with exceptions' : 'reconciled',
          );
        done.push(...runs);
      } catch (err) {
        log.error({ err, mode }, 'reconciliation failed; the next run tries again');
      }
    }
    return done;
  };
  const closeWithLock = async (): Promise<DayClose[]> => {
    const client = await pool.connect();
    try {
      const [lock] = await query<{ locked: boolean }>(
        client,
        `SELECT pg_try_advisory_lock(hashtextextended('kassa_settlement_close', 0)) AS locked`,
      );
      if (!lock?.locked) {
        log.info({}, 'another settlement worker is closing; leaving it the day');
        return [];
      }
      try {
        await reconcileEnded();
        const days = await catchUp(ctx);
        for (const day of days) {
          const paid = day.units.filter((u) => u.payoutId !== null);
          log.info(
            {
              day: day.day,
              swept: day.swept,
              units: day.units.length,
              payouts: paid.length,
              carriedOver: day.units.filter((u) => u.carriedOver < 0n).length,
            },
            'settlement day closed',
          );
        }
        return days;
      } finally {
        await query(
          client,
          `SELECT pg_advisory_unlock(hashtextextended('kassa_settlement_close', 0))`,
        );
      }
    } finally {
      client.release();
    }
  };
  const closeLogged = async (): Promise<void> => {
    try {
      await closeNow();
    } catch (err) {
      log.error({ err }, 'settlement close failed; the next run retries it');
    }
  };

  // Payouts: sent to the bank and checked until paid or failed, by a poll that never overlaps.
  let paying: Promise<{ sent: number; settled: number }> | undefined;
  const payNow = (): Promise<{ sent: number; settled: number }> => {
    const payouts = options.payouts;
    if (!payouts) return Promise.resolve({ sent: 0, settled: 0 });
    paying ??= (async () => {
      const sender = {
        pool,
        clock: options.clock,
        calendar: options.calendar,
        vault: payouts.vault,
        banks: payouts.banks,
        checkEveryMs: payouts.checkEveryMs,
        retryBaseMs: payouts.retryBaseMs,
        retryCapMs: payouts.retryCapMs,
        log,
      };
      const sent = await sendDuePayouts(sender);
      const settled = await checkPayoutsInTransit(sender);
      if (sent + settled > 0) log.info({ sent, settled }, 'payouts sent and settled');
      return { sent, settled };
    })().finally(() => {
      paying = undefined;
    });
    return paying;
  };
  let pollTimer: NodeJS.Timeout | undefined;
  const poll = () => {
    pollTimer = setTimeout(() => {
      payNow()
        .catch((err: unknown) => log.error({ err }, 'payout run failed; the next poll retries'))
        .finally(() => {
          if (!stopped) poll();
        });
    }, options.payouts?.pollMs ?? 2_000);
  };
  if (options.payouts && options.schedule !== false) poll();

  const cutoff = options.calendar.cutoffMinutes;
  const job =
    options.schedule === false
      ? undefined
      : new Cron(
          `0 ${cutoff % 60} ${Math.floor(cutoff / 60)} * * *`,
          { timezone: 'UTC', protect: true, name: 'settlement-close' },
          closeLogged,
        );
  if (options.schedule !== false) void closeLogged();

  let server: Server | undefined;
  let healthUrl: string | undefined;
  if (options.health) {
    server = createServer((request, response) => {
      void (async () => {
        const path = request.url?.split('?')[0];
        if (request.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) {
          response.writeHead(404, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'not_found' }));
          return;
        }
        if (path === '/healthz') {
          response.writeHead(stopped ? 503 : 200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ status: stopped ? 'stopping' : 'ok' }));
          return;
        }
        try {
          const last = await lastClosedDay(pool);
          const due = lastEndedDay(options.clock.now(), options.calendar);
          response.writeHead(stopped ? 503 : 200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              status: stopped ? 'stopping' : 'ready',
              last_closed_day: last,
              // Days that have ended and wait for their close (0 when up to date).
              days_behind: last === null ? null : Math.max(0, daysBetween(last, due)),
              next_close_at:
                job?.nextRun()?.toISOString() ??
                endOf(addDays(due, 1), options.calendar).toISOString(),
            }),
          );
        } catch (err) {
          log.warn({ err }, 'readiness check failed');
          response.writeHead(503, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ status: 'database_unavailable' }));
        }
      })();
    });
    const { host, port } = options.health;
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    healthUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  return {
    subscription,
    healthUrl,
    closeNow,
    payNow,
    async stop() {
      stopped = true;
      job?.stop();
      clearTimeout(pollTimer);
      await paying?.catch(() => undefined);
      // A close in flight finishes its unit transactions; none is cut in half by the shutdown.
      await running?.catch(() => undefined);
      await subscription.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
