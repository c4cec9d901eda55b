/**
 * Settlement days. A day is a UTC date, `YYYY-MM-DD`. The cutoff (SETTLEMENT_CUTOFF, minutes
 * after UTC midnight) says where one day ends and the next begins: with the default, 00:00, a
 * day is the UTC calendar day; with 18:00, a payment at 19:00 on 1 December belongs to the
 * settlement day of 2 December, and the day of 2 December ends (and is closed) at 18:00 on
 * 2 December. Nothing here reads the time: callers pass their Clock's now.
 */
export interface SettlementCalendar {
  /** Minutes after UTC midnight at which a settlement day ends, 0–1439. */
  cutoffMinutes: number;
}

export const DEFAULT_CALENDAR: SettlementCalendar = { cutoffMinutes: 0 };

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function shiftMs(calendar: SettlementCalendar): number {
  const { cutoffMinutes } = calendar;
  if (!Number.isInteger(cutoffMinutes) || cutoffMinutes < 0 || cutoffMinutes >= 1440)
    throw new RangeError(`cutoffMinutes must be an integer from 0 to 1439, got ${cutoffMinutes}`);
  return cutoffMinutes === 0 ? 0 : DAY_MS - cutoffMinutes * 60_000;
}

/** Parses `YYYY-MM-DD`, refusing what is not a real date. */
export function parseDay(day: string): Date {
  const at = new Date(`${day}T00:00:00.000Z`);
  if (!DAY_PATTERN.test(day) || Number.isNaN(at.getTime()) || !at.toISOString().startsWith(day))
    throw new RangeError(`"${day}" is not a date of the form YYYY-MM-DD`);
  return at;
}

export function formatDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return formatDay(new Date(parseDay(day).getTime() + days * DAY_MS));
}

/** Days from `from` to `to` (negative when `to` comes first). */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDay(to).getTime() - parseDay(from).getTime()) / DAY_MS);
}

/** The settlement day an instant belongs to. */
export function dayOf(at: Date, calendar: SettlementCalendar): string {
  return formatDay(new Date(at.getTime() + shiftMs(calendar)));
}

/** The instant a settlement day ends: its close may run from then on. */
export function endOf(day: string, calendar: SettlementCalendar): Date {
  return new Date(parseDay(day).getTime() + DAY_MS - shiftMs(calendar));
}

/** The newest day that has ended at `now` (the day `now` belongs to has not). */
export function lastEndedDay(now: Date, calendar: SettlementCalendar): string {
  return addDays(dayOf(now, calendar), -1);
}

/**
 * SQL for the settlement day of a timestamptz expression, the same as dayOf: `$shift` is a
 * parameter holding shiftSeconds(calendar).
 */
export function dayOfSql(expression: string, shiftParam: string): string {
  return `((${expression} AT TIME ZONE 'UTC') + make_interval(secs => ${shiftParam}))::date`;
}

export function shiftSeconds(calendar: SettlementCalendar): number {
  return shiftMs(calendar) / 1000;
}

export type PayoutInterval = 'daily' | 'weekly' | 'monthly' | 'manual';

export interface ScheduleRow {
  interval: PayoutInterval;
  /** ISO weekday, 1 Monday … 7 Sunday. */
  weekly_anchor: number | null;
  monthly_anchor: number | null;
  delay_days: number;
}

export const DEFAULT_SCHEDULE: ScheduleRow = {
  interval: 'daily',
  weekly_anchor: null,
  monthly_anchor: null,
  delay_days: 2,
};

/** Whether the close of `day` makes an automatic payout under this schedule. */
export function isPayoutDay(schedule: ScheduleRow, day: string): boolean {
  const at = parseDay(day);
  switch (schedule.interval) {
    case 'daily':
      return true;
    case 'manual':
      return false;
    case 'weekly': {
      const iso = at.getUTCDay() === 0 ? 7 : at.getUTCDay();
      return iso === schedule.weekly_anchor;
    }
    case 'monthly': {
      const anchor = schedule.monthly_anchor;
      if (anchor === null) throw new Error('a monthly schedule has an anchor (schema CHECK)');
      const lastOfMonth = new Date(
        Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0),
      ).getUTCDate();
      return at.getUTCDate() === Math.min(anchor, lastOfMonth);
    }
  }
}
