import {
  compareDecimals,
  type Decimal,
  formatDecimal,
  isDecimal,
  parseDecimal,
} from './decimal.ts';
import type { FeatureName, FeatureVector } from './features.ts';

/**
 * The risk score: 0 (safest) to 100 (riskiest), with the reasons behind it.
 *
 * A hand-weighted, additive model over the features, not a trained one: each signal adds points
 * (capped per signal), the total is capped at 100. Every point is explained by a reason naming
 * its feature, so a merchant reading the dashboard can see why, and a rule can use the score
 * (`review if :risk_score: >= 65`). The weights are data (SIGNALS), tested case by case.
 */
export interface ScoreReason {
  feature: FeatureName;
  /** The feature's value as text (a count, a ratio, `true`, a country). */
  value: string;
  points: number;
  description: string;
}

export interface Score {
  score: number;
  level: RiskLevel;
  reasons: ScoreReason[];
}

export const riskLevels = ['normal', 'elevated', 'highest'] as const;
export type RiskLevel = (typeof riskLevels)[number];

/** Radar's bands: elevated from 65, highest from 85. */
export function levelOf(score: number): RiskLevel {
  return score >= 85 ? 'highest' : score >= 65 ? 'elevated' : 'normal';
}

const BASE = 5;

interface Signal {
  feature: FeatureName;
  /** The points a value earns (0: none). */
  points: (features: FeatureVector) => number;
  description: string;
}

const numberOf = (value: unknown): Decimal | undefined => (isDecimal(value) ? value : undefined);
/** Points per unit above `from`, at most `cap`. */
const perUnitAbove =
  (feature: FeatureName, from: number, each: number, cap: number) => (f: FeatureVector) => {
    const value = numberOf(f[feature]);
    if (value?.scale !== 0) return 0;
    const above = Number(value.units) - from;
    return above > 0 ? Math.min(cap, above * each) : 0;
  };
const above = (value: unknown, threshold: string) => {
  const number = numberOf(value);
  return number !== undefined && compareDecimals(number, parseDecimal(threshold)) > 0;
};

export const SIGNALS: Signal[] = [
  {
    feature: 'payment_count_for_card_hourly',
    points: perUnitAbove('payment_count_for_card_hourly', 2, 8, 32),
    description: 'Many payments with this card in the last hour',
  },
  {
    feature: 'declined_count_for_card_daily',
    points: perUnitAbove('declined_count_for_card_daily', 0, 12, 36),
    description: 'Declined payments with this card in the last day',
  },
  {
    feature: 'card_count_for_ip_hourly',
    points: perUnitAbove('card_count_for_ip_hourly', 1, 12, 36),
    description: 'Several cards used from this address in the last hour',
  },
  {
    feature: 'card_count_for_email_daily',
    points: perUnitAbove('card_count_for_email_daily', 2, 10, 30),
    description: 'Several cards used with this email in the last day',
  },
  {
    feature: 'declined_count_for_ip_hourly',
    points: perUnitAbove('declined_count_for_ip_hourly', 1, 8, 24),
    description: 'Declined payments from this address in the last hour',
  },
  {
    feature: 'failed_3ds_count_for_card_daily',
    points: perUnitAbove('failed_3ds_count_for_card_daily', 0, 20, 40),
    description: 'Failed 3-D Secure challenges with this card in the last day',
  },
  {
    feature: 'ip_country',
    points: (f) =>
      typeof f.ip_country === 'string' &&
      typeof f.card_country === 'string' &&
      f.ip_country !== f.card_country
        ? 15
        : 0,
    description: "The card's country is not the shopper's",
  },
  {
    feature: 'amount_to_merchant_average',
    points: (f) =>
      above(f.amount_to_merchant_average, '10')
        ? 25
        : above(f.amount_to_merchant_average, '4')
          ? 12
          : 0,
    description: "Far above this merchant's usual amount",
  },
  {
    feature: 'is_new_card',
    points: (f) => (f.is_new_card === true && above(f.amount_in_usd, '500') ? 10 : 0),
    description: 'A card never seen here, for a large amount',
  },
  {
    feature: 'amount_in_usd',
    points: (f) => (above(f.amount_in_usd, '5000') ? 10 : 0),
    description: 'A very large amount',
  },
];

const text = (value: FeatureVector[FeatureName]): string =>
  value === null ? 'unknown' : isDecimal(value) ? formatDecimal(value) : String(value);

export function scoreOf(
  features: Omit<FeatureVector, 'risk_score'> & Partial<FeatureVector>,
): Score {
  const reasons: ScoreReason[] = [];
  let total = BASE;
  for (const signal of SIGNALS) {
    const points = signal.points(features as FeatureVector);
    if (points <= 0) continue;
    total += points;
    reasons.push({
      feature: signal.feature,
      value: text(features[signal.feature] ?? null),
      points,
      description: signal.description,
    });
  }
  const score = Math.min(100, total);
  reasons.sort((a, b) => b.points - a.points);
  return { score, level: levelOf(score), reasons };
}
