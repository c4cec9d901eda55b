import type { Currency } from '@kassa/contracts';
import { isCurrency } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';

/** A merchant's pricing in one currency: a rate in basis points plus a fixed part in its minor units. */
export interface FeeSchedule {
  rateBps: number;
  fixed: bigint;
}

/** Kassa's default rate: 2.9%. */
export const DEFAULT_FEE_RATE_BPS = 290;

/**
 * The platform's default fixed fee per capture, in each currency's own minor units: about 30 US
 * cents in every one, never "30 of whatever the unit is" (30 yen is a fifth of that, 0.030 KWD a
 * third). An operator changes a merchant's with a `merchant_fixed_fees` row. Every accepted
 * currency must be listed: the type says so, and there is no fallback.
 */
export const DEFAULT_FIXED_FEES = {
  AED: 100n, // 1.00 AED
  ARS: 30_000n, // 300.00 ARS
  AUD: 45n,
  BGN: 55n,
  BHD: 110n, // 0.110 BHD (3 decimals)
  BRL: 150n,
  CAD: 40n,
  CHF: 25n,
  CLP: 280n, // no decimals
  CNY: 200n,
  COP: 120_000n, // 1 200.00 COP
  CZK: 700n,
  DKK: 200n,
  EGP: 1_500n,
  EUR: 25n,
  GBP: 20n,
  HKD: 230n,
  HUF: 11_000n,
  IDR: 480_000n, // 4 800.00 IDR
  ILS: 110n,
  INR: 2_500n,
  ISK: 40n, // no decimals
  JOD: 210n, // 0.210 JOD (3 decimals)
  JPY: 45n, // ¥45, no decimals
  KES: 3_900n,
  KRW: 400n, // no decimals
  KWD: 90n, // 0.090 KWD (3 decimals)
  MAD: 300n,
  MXN: 550n,
  MYR: 130n,
  NGN: 45_000n,
  NOK: 320n,
  NZD: 50n,
  OMR: 115n, // 0.115 OMR (3 decimals)
  PEN: 110n,
  PHP: 1_700n,
  PKR: 8_400n,
  PLN: 120n,
  QAR: 110n,
  RON: 140n,
  SAR: 115n,
  SEK: 320n,
  SGD: 40n,
  THB: 1_000n,
  TND: 900n, // 0.900 TND (3 decimals)
  TRY: 1_000n,
  TWD: 950n,
  UAH: 1_200n,
  UGX: 1_100n, // no decimals
  USD: 30n,
  VND: 7_500n, // no decimals
  XOF: 180n, // no decimals
  ZAR: 550n,
} as const satisfies Record<Currency, bigint>;

/**
 * The fee schedule of `merchantId` in `currency`: the merchant's rate, and its fixed fee in that
 * currency (its own if an operator set one, else the platform's default for the currency). A
 * merchant that does not exist, or a currency Kassa does not accept, is a bug: it throws.
 */
export async function feeScheduleOf(
  db: Queryable,
  merchantId: string,
  currency: string,
): Promise<FeeSchedule> {
  if (!isCurrency(currency)) throw new Error(`no fee schedule for currency ${currency}`);
  const [row] = await query<{ fee_rate_bps: number; fixed: bigint | null }>(
    db,
    `SELECT m.fee_rate_bps, f.fixed FROM merchants m
       LEFT JOIN merchant_fixed_fees f ON f.merchant_id = m.id AND f.currency = $2
      WHERE m.id = $1`,
    [merchantId, currency],
  );
  if (!row) throw new Error(`merchant ${merchantId} does not exist: no fee schedule`);
  return { rateBps: row.fee_rate_bps, fixed: row.fixed ?? DEFAULT_FIXED_FEES[currency] };
}

/**
 * The platform's fee on a capture of `amount` minor units: `amount × rate`, rounded half up to
 * a whole minor unit, plus the fixed part, and never more than the amount itself (a capture of
 * 20 cents pays 20 cents in fees, not 31). Integer arithmetic only: `(amount × bps + 5 000) div
 * 10 000` is the half-up rounding of `amount × bps / 10 000` for non-negative amounts.
 *
 * Examples at 2.9% + 30: 10 000 → 290 + 30 = 320; 1 234 → 35.786 → 36 + 30 = 66;
 * 50 → 1.45 → 1 + 30 = 31; 20 → 0.58 → 1 + 30 = 31, capped at 20.
 */
export function platformFee(amount: bigint, schedule: FeeSchedule): bigint {
  if (amount <= 0n) return 0n;
  const proportional = (amount * BigInt(schedule.rateBps) + 5_000n) / 10_000n;
  const fee = proportional + schedule.fixed;
  return fee > amount ? amount : fee;
}
