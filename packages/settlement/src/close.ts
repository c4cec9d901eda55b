import type { Clock } from '@kassa/contracts';
import { type Queryable, query, withTransaction } from '@kassa/db';
import {
  type AccountCache,
  appendToStream,
  type EventMetadata,
  makeAvailable,
  sealCommitted,
} from '@kassa/ledger';
import type pg from 'pg';
import { type ProjectionOptions, sweepBalanceTransactions } from './balance-transactions.ts';
import { defaultBankAccount } from './bank-accounts.ts';
import {
  addDays,
  endOf,
  isPayoutDay,
  lastEndedDay,
  parseDay,
  type SettlementCalendar,
} from './days.ts';
import { SettlementError } from './errors.ts';
import { createPayoutOfUnit, lockUnit, type Unit, unpaidAvailable } from './payouts.ts';
import { loadSchedule, minimumPayout } from './schedule.ts';

export interface SettlementContext {
  pool: pg.Pool;
  clock: Clock;
  calendar: SettlementCalendar;
  /** Who runs it, for the events' metadata: `settlement_worker`, `cli`. */
  actor: string;
  accounts?: AccountCache;
  /** Units closed at once (default 4); each takes a database connection. */
  concurrency?: number;
}

/** What one close of one unit did. */
export interface UnitClose extends Unit {
  day: string;
  /** False: an earlier (or concurrent) run had closed it; nothing was done. */
  closed: boolean;
  madeAvailable: bigint;
  carriedOver: bigint;
  transactions: number;
  payoutId: string | null;
  payoutAmount: bigint;
  /** Why no payout was made on a payout day with funds: `no_bank_account`, `bank_account_errored`. */
  payoutSkipped: string | null;
}

export interface DayClose {
  day: string;
  swept: number;
  units: UnitClose[];
}

function projection(ctx: SettlementContext): ProjectionOptions {
  return { calendar: ctx.calendar };
}

/**
 * Closes one settlement day, for every merchant or one (`merchantId`): seals what has committed,
 * sweeps the log for entries without a balance transaction, then closes each unit (merchant,
 * mode, currency) with funds due or unpaid, each in its own transaction. A unit's close is
 * recorded in the same transaction as its effects, so running a day again, or twice at once,
 * closes each unit once; a run killed halfway leaves whole units closed and the rest for the next
 * run. A day that has not ended yet is refused.
 */
export async function closeDay(
  ctx: SettlementContext,
  day: string,
  options: { merchantId?: string } = {},
): Promise<DayClose> {
  parseDay(day);
  const now = ctx.clock.now();
  if (endOf(day, ctx.calendar) > now)
    throw new SettlementError(
      'day_not_ended',
      `The settlement day ${day} ends at ${endOf(day, ctx.calendar).toISOString()}; it cannot be closed before.`,
    );
  await sealCommitted(ctx.pool);
  const swept = await withTransaction(ctx.pool, (tx) =>
    sweepBalanceTransactions(tx, projection(ctx)),
  );
  const units = await query<Unit>(
    ctx.pool,
    `SELECT DISTINCT merchant_id AS "merchantId", livemode, currency FROM balance_transactions
      WHERE ((status = 'pending' AND available_on <= $1::date)
          OR (status = 'available' AND payout_id IS NULL))
        AND ($2::text IS NULL OR merchant_id = $2)
        AND NOT EXISTS (SELECT 1 FROM settlement_closes c
                         WHERE c.merchant_id = balance_transactions.merchant_id
                           AND c.livemode = balance_transactions.livemode
                           AND c.currency = balance_transactions.currency AND c.day = $1::date)
      ORDER BY 1, 2, 3`,
    [day, options.merchantId ?? null],
  );
  // Units are independent (each its own transaction and lock; the platform's accounts they touch
  // are append-only), so a few close at once.
  const closes: UnitClose[] = new Array(units.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(ctx.concurrency ?? 4, units.length) }, async () => {
      for (let i = next++; i < units.length; i = next++) {
        const unit = units[i] as Unit;
        closes[i] = await withTransaction(ctx.pool, (tx) => closeUnit(tx, ctx, unit, day));
      }
    }),
  );
  if (options.merchantId === undefined) {
    await query(
      ctx.pool,
      `INSERT INTO settlement_days (day, closes, closed_at)
       VALUES ($1::date, (SELECT count(*) FROM settlement_closes WHERE day = $1::date), $2)
       ON CONFLICT (day) DO UPDATE SET closes = EXCLUDED.closes, closed_at = EXCLUDED.closed_at`,
      [day, now],
    );
  }
  return { day, swept, units: closes };
}

/**
 * One unit's close, in the caller's transaction:
 * 1. its record, or nothing if the unit is closed already for the day;
 * 2. its pending balance transactions due by `day` become available, and the ledger moves their
 *    net from pending to available; if they net to less than zero (refunds beyond captures),
 *    they stay pending and are carried to the next close, where new funds net against them;
 * 3. on a payout day of its schedule, its unpaid available funds (equal to the ledger's available
 *    balance, or the close stops) are paid out if they reach the minimum.
 */
export async function closeUnit(
  tx: Queryable,
  ctx: SettlementContext,
  unit: Unit,
  day: string,
): Promise<UnitClose> {
  const now = ctx.clock.now();
  const result: UnitClose = {
    ...unit,
    day,
    closed: false,
    madeAvailable: 0n,
    carriedOver: 0n,
    transactions: 0,
    payoutId: null,
    payoutAmount: 0n,
    payoutSkipped: null,
  };
  await lockUnit(tx, unit);
  const claimed = await query(
    tx,
    `INSERT INTO settlement_closes
       (merchant_id, livemode, currency, day, made_available, carried_over, transactions, closed_at)
     VALUES ($1, $2, $3, $4::date, 0, 0, 0, $5) ON CONFLICT DO NOTHING RETURNING day`,
    [unit.merchantId, unit.livemode, unit.currency, day, now],
  );
  if (claimed.length === 0) return result;
  result.closed = true;
  const metadata: EventMetadata = { actor: ctx.actor };

  const due = await query<{ id: string; net: bigint }>(
    tx,
    `SELECT id, net FROM balance_transactions
      WHERE merchant_id = $1 AND livemode = $2 AND currency = $3
        AND status = 'pending' AND available_on <= $4::date
      ORDER BY id FOR UPDATE`,
    [unit.merchantId, unit.livemode, unit.currency, day],
  );
  const net = due.reduce((sum, row) => sum + row.net, 0n);
  if (due.length > 0 && net >= 0n) {
    if (net > 0n) {
      await makeAvailable(
        tx,
        {
          merchantId: unit.merchantId,
          currency: unit.currency,
          amount: net,
          livemode: unit.livemode,
        },
        {
          reference: `settlement:${day}`,
          occurredAt: now,
          metadata,
          accounts: ctx.accounts,
        },
      );
      await appendToStream(tx, {
        stream: `balance:${unit.merchantId}`,
        expectedVersion: 'any',
        merchantId: unit.merchantId,
        occurredAt: now,
        events: [
          {
            type: 'balance.available',
            data: {
              object: {
                object: 'balance_settlement',
                day,
                currency: unit.currency.toLowerCase(),
                amount: Number(net),
                transactions: due.length,
                livemode: unit.livemode,
              },
            },
            metadata,
          },
        ],
      });
    }
    await query(tx, `UPDATE balance_transactions SET status = 'available' WHERE id = ANY($1)`, [
      due.map((row) => row.id),
    ]);
    result.madeAvailable = net;
    result.transactions = due.length;
  } else if (net < 0n) {
    result.carriedOver = net;
  }

  const schedule = await loadSchedule(tx, unit);
  if (isPayoutDay(schedule, day)) {
    const unpaid = await unpaidAvailable(tx, unit);
    const account = await defaultBankAccount(tx, unit, unit.currency);
    const due = unpaid > 0n && unpaid >= (await minimumPayout(tx, unit, unit.currency));
    if (due && !account) {
      result.payoutSkipped = 'no_bank_account';
    } else if (due && account?.status === 'errored') {
      // A payout to it failed for a reason of the account: wait for a working one.
      result.payoutSkipped = 'bank_account_errored';
    } else if (due && account) {
      const payout = await createPayoutOfUnit(tx, unit, {
        amount: unpaid,
        bankAccountId: account.id,
        automatic: true,
        settlementDay: day,
        clock: ctx.clock,
        calendar: ctx.calendar,
        eventMetadata: metadata,
      });
      result.payoutId = payout.id;
      result.payoutAmount = unpaid;
    }
  }
  await query(
    tx,
    `UPDATE settlement_closes SET made_available = $5, carried_over = $6, transactions = $7, payout_id = $8,
            payout_skipped = $9
      WHERE merchant_id = $1 AND livemode = $2 AND currency = $3 AND day = $4::date`,
    [
      unit.merchantId,
      unit.livemode,
      unit.currency,
      day,
      result.madeAvailable,
      result.carriedOver,
      result.transactions,
      result.payoutId,
      result.payoutSkipped,
    ],
  );
  return result;
}

/** The newest day closed for every merchant, or null before the first close. */
export async function lastClosedDay(db: Queryable): Promise<string | null> {
  const [row] = await query<{ day: string | null }>(
    db,
    `SELECT max(day)::text AS day FROM settlement_days`,
  );
  return row?.day ?? null;
}

/**
 * Closes every day that has ended and is not closed yet, oldest first: after the newest closed
 * day, or (before the first close) the day that ended last. A worker that was down for three
 * days closes the three in order when it comes back. Returns the days it closed.
 */
export async function catchUp(ctx: SettlementContext): Promise<DayClose[]> {
  const target = lastEndedDay(ctx.clock.now(), ctx.calendar);
  const last = await lastClosedDay(ctx.pool);
  const closed: DayClose[] = [];
  for (let day = last === null ? target : addDays(last, 1); day <= target; day = addDays(day, 1)) {
    closed.push(await closeDay(ctx, day));
  }
  return closed;
}
