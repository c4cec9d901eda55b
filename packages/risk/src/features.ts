import type { Decimal } from './decimal.ts';

/**
 * The features a rule can name (`:name:`), with their types. Every feature may be unknown
 * (null): a comparison with an unknown value is false, whatever the operator.
 *
 * Counts are of this merchant's payments in its mode, kept by the fraud service's consumer group
 * from the event bus (features-store.ts): they are as current as that consumer, which is usually
 * a few milliseconds behind. They count the payments before the one being scored.
 */
export type FeatureType = 'number' | 'string' | 'boolean';

/** What a list holds, and the string features that can be looked up in one. */
export const listKinds = ['card_fingerprint', 'email', 'ip_address', 'country', 'string'] as const;
export type ListKind = (typeof listKinds)[number];

export interface FeatureDefinition {
  type: FeatureType;
  /** For string features: the lists it can be looked up in (`in @list`). */
  kind?: Exclude<ListKind, 'string'>;
  description: string;
}

const count = (what: string, window: 'hourly' | 'daily'): FeatureDefinition => ({
  type: 'number',
  description: `${what} in the last ${window === 'hourly' ? 'hour' : '24 hours'}, before this one.`,
});

export const FEATURES = {
  amount: { type: 'number', description: 'The amount, in minor units of its currency.' },
  currency: { type: 'string', description: 'The currency, ISO 4217 in lower case (`usd`).' },
  amount_in_usd: {
    type: 'number',
    description:
      'The amount in US dollars (major units, exact decimal), at the reference rates RISK_USD_RATES sets.',
  },
  amount_to_merchant_average: {
    type: 'number',
    description:
      "The amount divided by the merchant's average payment in the same currency over 30 days (unknown without history).",
  },
  card_fingerprint: {
    type: 'string',
    kind: 'card_fingerprint',
    description: 'The card number’s fingerprint at this merchant.',
  },
  card_brand: { type: 'string', description: 'visa, mastercard, amex…' },
  card_funding: { type: 'string', description: 'credit, debit, prepaid or unknown.' },
  card_country: {
    type: 'string',
    kind: 'country',
    description: "The issuer's country (ISO 3166-1 alpha-2, upper case).",
  },
  email: {
    type: 'string',
    kind: 'email',
    description: 'The billing email, lower case (unknown when the shopper gave none).',
  },
  email_domain: { type: 'string', description: 'What follows the @ of the billing email.' },
  ip_address: {
    type: 'string',
    kind: 'ip_address',
    description: "The shopper's address, for payments confirmed through the hosted checkout.",
  },
  ip_country: {
    type: 'string',
    kind: 'country',
    description: "The country of the shopper's address, from the GeoIP file RISK_GEOIP_FILE names.",
  },
  is_new_card: {
    type: 'boolean',
    description: 'No payment with this card was seen at this merchant before.',
  },
  payment_count_for_card_hourly: count('Payments with this card', 'hourly'),
  payment_count_for_card_daily: count('Payments with this card', 'daily'),
  declined_count_for_card_hourly: count('Declined or blocked payments with this card', 'hourly'),
  declined_count_for_card_daily: count('Declined or blocked payments with this card', 'daily'),
  payment_count_for_email_hourly: count('Payments with this email', 'hourly'),
  payment_count_for_email_daily: count('Payments with this email', 'daily'),
  payment_count_for_customer_hourly: count("Payments of this payment's customer", 'hourly'),
  payment_count_for_customer_daily: count("Payments of this payment's customer", 'daily'),
  card_count_for_customer_hourly: count("Distinct cards used by this payment's customer", 'hourly'),
  card_count_for_customer_daily: count("Distinct cards used by this payment's customer", 'daily'),
  payment_count_for_ip_hourly: count('Payments from this address', 'hourly'),
  payment_count_for_ip_daily: count('Payments from this address', 'daily'),
  declined_count_for_ip_hourly: count('Declined or blocked payments from this address', 'hourly'),
  declined_count_for_ip_daily: count('Declined or blocked payments from this address', 'daily'),
  card_count_for_ip_hourly: count('Distinct cards used from this address', 'hourly'),
  card_count_for_ip_daily: count('Distinct cards used from this address', 'daily'),
  card_count_for_email_hourly: count('Distinct cards used with this email', 'hourly'),
  card_count_for_email_daily: count('Distinct cards used with this email', 'daily'),
  failed_3ds_count_for_card_daily: count(
    'Payments with this card whose 3-D Secure challenge failed',
    'daily',
  ),
  risk_score: {
    type: 'number',
    description: "Kassa's score of this payment, 0 (safest) to 100 (riskiest).",
  },
} as const satisfies Record<string, FeatureDefinition>;

export type FeatureName = keyof typeof FEATURES;
export const featureNames = Object.keys(FEATURES) as FeatureName[];

export type FeatureValue = Decimal | string | boolean | null;
/** The features of one payment, as rules see them. */
export type FeatureVector = { [name in FeatureName]: FeatureValue };

export function isFeatureName(name: string): name is FeatureName {
  return Object.hasOwn(FEATURES, name);
}
