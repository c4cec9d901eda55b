/**
 * The one clock. Everything that reads the time (expiries, windows, leases, schedules) takes a
 * Clock, so a test sets the date instead of depending on the day it runs.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved: for tests, and for replaying a day. */
export class ManualClock implements Clock {
  private at: number;
  constructor(start: Date | number) {
    this.at = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.at);
  }
  set(to: Date | number): void {
    this.at = typeof to === 'number' ? to : to.getTime();
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

/** A card expiry `years` after `now` (month and year), for test cards that never go stale. */
export function expiryYearsFrom(now: Date, years: number): { exp_month: number; exp_year: number } {
  return { exp_month: now.getUTCMonth() + 1, exp_year: now.getUTCFullYear() + years };
}
