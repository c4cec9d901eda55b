/** A merchant's pricing: a rate in basis points (hundredths of a percent) plus a fixed part. */
export interface FeeSchedule {
  rateBps: number;
  fixed: bigint;
}

/** Kassa's default: 2.9% + 30 minor units of the payment's currency. */
export const DEFAULT_FEES: FeeSchedule = { rateBps: 290, fixed: 30n };

/**
 * The platform's fee on a capture of `amount` minor units: `amount × rate`, rounded half up to
 * a whole minor unit, plus the fixed part, and never more than the amount itself (a capture of
 * 20 cents pays 20 cents in fees, not 31). Integer arithmetic only: `(amount × bps + 5 000) div
 * 10 000` is the half-up rounding of `amount × bps / 10 000` for non-negative amounts.
 *
 * Examples at 2.9% + 30: 10 000 → 290 + 30 = 320; 1 234 → 35.786 → 36 + 30 = 66;
 * 50 → 1.45 → 1 + 30 = 31; 20 → 0.58 → 1 + 30 = 31, capped at 20.
 */
export function platformFee(amount: bigint, schedule: FeeSchedule = DEFAULT_FEES): bigint {
  if (amount <= 0n) return 0n;
  const proportional = (amount * BigInt(schedule.rateBps) + 5_000n) / 10_000n;
  const fee = proportional + schedule.fixed;
  return fee > amount ? amount : fee;
}
