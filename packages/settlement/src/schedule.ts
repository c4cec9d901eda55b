import { type PayoutSchedule, type updatePayoutScheduleInput, weekdays } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { z } from 'zod';
import type { Owner } from './balance-transactions.ts';
import { DEFAULT_SCHEDULE, type ScheduleRow } from './days.ts';

/** A merchant's payout schedule in one mode; the defaults (daily, 2 days) without a row. */
export async function loadSchedule(db: Queryable, owner: Owner): Promise<ScheduleRow> {
  const [row] = await query<ScheduleRow>(
    db,
    `SELECT interval::text AS interval, weekly_anchor, monthly_anchor, delay_days
       FROM payout_schedules WHERE merchant_id = $1 AND livemode = $2`,
    [owner.merchantId, owner.livemode],
  );
  return row ?? DEFAULT_SCHEDULE;
}

/** The smallest automatic payout in `currency` (1 minor unit without a row). */
export async function minimumPayout(
  db: Queryable,
  owner: Owner,
  currency: string,
): Promise<bigint> {
  const [row] = await query<{ amount: bigint }>(
    db,
    `SELECT amount FROM payout_minimums WHERE merchant_id = $1 AND livemode = $2 AND currency = $3`,
    [owner.merchantId, owner.livemode, currency],
  );
  return row?.amount ?? 1n;
}

export async function payoutScheduleView(db: Queryable, owner: Owner): Promise<PayoutSchedule> {
  const schedule = await loadSchedule(db, owner);
  const minimums = await query<{ currency: string; amount: bigint }>(
    db,
    `SELECT currency, amount FROM payout_minimums WHERE merchant_id = $1 AND livemode = $2 ORDER BY currency`,
    [owner.merchantId, owner.livemode],
  );
  return {
    interval: schedule.interval,
    weekly_anchor:
      schedule.weekly_anchor === null ? null : (weekdays[schedule.weekly_anchor - 1] ?? null),
    monthly_anchor: schedule.monthly_anchor,
    delay_days: schedule.delay_days,
    minimum_amounts: Object.fromEntries(
      minimums.map((m) => [m.currency.toLowerCase(), Number(m.amount)]),
    ),
  };
}

/**
 * Sets the payout schedule of one mode. A new delay applies to balance transactions written
 * from now on; those already pending keep the `available_on` they were given (as Stripe does).
 */
export async function updatePayoutSchedule(
  tx: Queryable,
  owner: Owner,
  input: z.output<typeof updatePayoutScheduleInput>,
): Promise<PayoutSchedule> {
  const current = await loadSchedule(tx, owner);
  const weekly = input.weekly_anchor ? weekdays.indexOf(input.weekly_anchor) + 1 : null;
  await query(
    tx,
    `INSERT INTO payout_schedules (merchant_id, livemode, interval, weekly_anchor, monthly_anchor, delay_days, updated_at)
     VALUES ($1, $2, $3::payout_interval, $4, $5, $6, now())
     ON CONFLICT (merchant_id, livemode) DO UPDATE SET interval = EXCLUDED.interval,
       weekly_anchor = EXCLUDED.weekly_anchor, monthly_anchor = EXCLUDED.monthly_anchor,
       delay_days = EXCLUDED.delay_days, updated_at = now()`,
    [
      owner.merchantId,
      owner.livemode,
      input.interval,
      weekly,
      input.monthly_anchor ?? null,
      input.delay_days ?? current.delay_days,
    ],
  );
  for (const [currency, amount] of Object.entries(input.minimum_amounts ?? {})) {
    if (amount === null) {
      await query(
        tx,
        `DELETE FROM payout_minimums WHERE merchant_id = $1 AND livemode = $2 AND currency = $3`,
        [owner.merchantId, owner.livemode, currency.toUpperCase()],
      );
    } else {
      await query(
        tx,
        `INSERT INTO payout_minimums (merchant_id, livemode, currency, amount) VALUES ($1, $2, $3, $4)
         ON CONFLICT (merchant_id, livemode, currency) DO UPDATE SET amount = EXCLUDED.amount`,
        [owner.merchantId, owner.livemode, currency.toUpperCase(), BigInt(amount as number)],
      );
    }
  }
  return payoutScheduleView(tx, owner);
}
