import { exponentOf } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import { z } from 'zod';
import {
  type Decimal,
  decimalOf,
  formatDecimal,
  isDecimal,
  minorUnits,
  multiplyDecimals,
  roundDecimal,
} from './decimal.ts';
import { DEFAULT_LISTS, DEFAULT_RULES } from './defaults.ts';
import type { FeatureName, FeatureValue, FeatureVector, ListKind } from './features.ts';
import type { GeoIp } from './geoip.ts';
import {
  type Condition,
  evaluate,
  type ParsedRule,
  parseRule,
  type RuleAction,
  ruleActions,
} from './rules.ts';
import { levelOf, type RiskLevel, type Score, type ScoreReason, scoreOf } from './score.ts';

/** What the API tells the fraud service about a payment it is about to authorize. */
export const scoreRequestSchema = z
  .object({
    merchant: z.string().min(1).max(64),
    livemode: z.boolean(),
    payment_intent: z.string().min(1).max(64),
    attempt: z.string().min(1).max(64),
    amount: z.number().int().positive(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    card: z.object({
      fingerprint: z.string().min(1).max(128),
      brand: z.string().max(32),
      funding: z.string().max(32),
      country: z
        .string()
        .regex(/^[A-Z]{2}$/)
        .nullable(),
    }),
    email: z.string().max(320).nullable(),
    ip: z.string().max(64).nullable(),
    /**
     * The payment's customer (`cus_…`), sent only when the payment names one, so that an API
     * newer than its fraud service still scores (an unknown field is refused).
     */
    customer: z.string().min(1).max(64).optional(),
  })
  .strict();
export type ScoreRequest = z.infer<typeof scoreRequestSchema>;

export const riskOutcomes = ruleActions;
export type RiskOutcome = RuleAction;

/** The fraud service's answer. Features are serialized (decimals as strings). */
export interface Assessment {
  outcome: RiskOutcome;
  score: number;
  level: RiskLevel;
  /** The rule that decided; null when none matched (allowed). */
  rule: { id: string; action: RuleAction; predicate: string } | null;
  reasons: ScoreReason[];
  features: Record<FeatureName, string | boolean | null>;
}

export interface ScoringOptions {
  /** US dollars per major unit of each currency (`EUR` → 1.08). USD is 1. */
  usdRates: ReadonlyMap<string, Decimal>;
  geoIp?: GeoIp;
}

/** A merchant's rules as the scorer runs them: enabled, checked, in order. */
export interface CompiledRule {
  id: string;
  parsed: ParsedRule;
}

interface ScoringRow {
  card: {
    payments_hourly: number;
    payments_daily: number;
    declined_hourly: number;
    declined_daily: number;
    failed_3ds_daily: number;
    seen_before: boolean;
  };
  email: {
    payments_hourly: number;
    payments_daily: number;
    cards_hourly: number;
    cards_daily: number;
  } | null;
  customer: {
    payments_hourly: number;
    payments_daily: number;
    cards_hourly: number;
    cards_daily: number;
  } | null;
  ip: {
    payments_hourly: number;
    payments_daily: number;
    declined_hourly: number;
    declined_daily: number;
    cards_hourly: number;
    cards_daily: number;
  } | null;
  amounts: { payments: string; amount: string } | null;
  listed: Array<{ list: string; value: string }> | null;
  own_rules: boolean;
  rules: Array<{ id: string; source: string; action: string; version: string }> | null;
  lists: Array<{ alias: string; kind: ListKind }> | null;
}

/**
 * The payments and distinct cards of one value of `column` (an email, a customer) in the last
 * hour and day, before the payment being scored ($1 merchant, $2 mode, $4 now, $5 its attempt);
 * null (unknown, not zero) when the payment has no such value.
 */
const paymentsAndCards = (column: string, param: string) => `(SELECT json_build_object(
          'payments_hourly', count(*) FILTER (WHERE observed_at > $4::timestamptz - interval '1 hour'),
          'payments_daily', count(*),
          'cards_hourly', count(DISTINCT card_fingerprint) FILTER (WHERE observed_at > $4::timestamptz - interval '1 hour'),
          'cards_daily', count(DISTINCT card_fingerprint))
          FROM risk_observations
         WHERE merchant_id = $1 AND livemode = $2 AND ${column} = ${param}
           AND attempt_id <> $5 AND observed_at > $4::timestamptz - interval '24 hours'
           AND observed_at <= $4
        HAVING ${param}::text IS NOT NULL)`;

/**
 * Everything the scorer needs about one payment, in one round trip: the counts of the card,
 * email, customer and address in their windows, the merchant's amount history, which of the payment's
 * values are on the merchant's lists, and the merchant's rules and lists (when it has its own).
 * Windows end at `now` and count observations before it (the payment being scored is not one).
 */
async function loadScoringRow(
  db: Queryable,
  request: ScoreRequest,
  now: Date,
  listValues: string[],
): Promise<ScoringRow> {
  const [row] = await query<ScoringRow>(
    db,
    `SELECT
       (SELECT json_build_object(
          'payments_hourly', count(*) FILTER (WHERE observed_at > $4::timestamptz - interval '1 hour'),
          'payments_daily', count(*),
          'declined_hourly', count(*) FILTER (WHERE outcome IN ('declined', 'failed_3ds') AND observed_at > $4::timestamptz - interval '1 hour'),
          'declined_daily', count(*) FILTER (WHERE outcome IN ('declined', 'failed_3ds')),
          'failed_3ds_daily', count(*) FILTER (WHERE outcome = 'failed_3ds'),
          'seen_before', EXISTS (SELECT 1 FROM risk_observations
             WHERE merchant_id = $1 AND livemode = $2 AND card_fingerprint = $3
               AND observed_at <= $4 AND attempt_id <> $5))
          FROM risk_observations
         WHERE merchant_id = $1 AND livemode = $2 AND card_fingerprint = $3 AND attempt_id <> $5
           AND observed_at > $4::timestamptz - interval '24 hours' AND observed_at <= $4) AS card,
       ${paymentsAndCards('email', '$6')} AS email,
       ${paymentsAndCards('customer_id', '$10')} AS customer,
       (SELECT json_build_object(
          'payments_hourly', count(*) FILTER (WHERE observed_at > $4::timestamptz - interval '1 hour'),
          'payments_daily', count(*),
          'declined_hourly', count(*) FILTER (WHERE outcome IN ('declined', 'failed_3ds') AND observed_at > $4::timestamptz - interval '1 hour'),
          'declined_daily', count(*) FILTER (WHERE outcome IN ('declined', 'failed_3ds')),
          'cards_hourly', count(DISTINCT card_fingerprint) FILTER (WHERE observed_at > $4::timestamptz - interval '1 hour'),
          'cards_daily', count(DISTINCT card_fingerprint))
          FROM risk_observations
         WHERE merchant_id = $1 AND livemode = $2 AND ip = $7::inet
           AND attempt_id <> $5 AND observed_at > $4::timestamptz - interval '24 hours'
           AND observed_at <= $4
        HAVING $7::inet IS NOT NULL) AS ip,
       (SELECT json_build_object('payments', sum(payments)::text, 'amount', sum(amount)::text)
          FROM risk_amount_days
         WHERE merchant_id = $1 AND livemode = $2 AND currency = $8
           AND day > ($4::timestamptz AT TIME ZONE 'UTC')::date - 30
           AND day <= ($4::timestamptz AT TIME ZONE 'UTC')::date
        HAVING sum(payments) > 0) AS amounts,
       (SELECT json_agg(json_build_object('list', list_alias, 'value', value))
          FROM risk_list_items
         WHERE merchant_id = $1 AND livemode = $2 AND value = ANY($9::text[])) AS listed,
       coalesce((SELECT own_rules FROM risk_settings WHERE merchant_id = $1 AND livemode = $2), false) AS own_rules,
       (SELECT json_agg(json_build_object('id', id, 'source', source, 'action', action,
                 'version', updated_at::text) ORDER BY position, id)
          FROM risk_rules WHERE merchant_id = $1 AND livemode = $2 AND enabled) AS rules,
       (SELECT json_agg(json_build_object('alias', alias, 'kind', kind))
          FROM risk_lists WHERE merchant_id = $1 AND livemode = $2) AS lists`,
    [
      request.merchant,
      request.livemode,
      request.card.fingerprint,
      now,
      request.attempt,
      request.email,
      request.ip,
      request.currency,
      listValues,
      request.customer ?? null,
    ],
  );
  if (!row) throw new Error('the scoring query returned no row');
  return row;
}

/** The catalog of lists a merchant's rules may name: the default lists and its own. */
export function listCatalog(
  own: ReadonlyArray<{ alias: string; kind: ListKind }>,
): Map<string, ListKind> {
  return new Map([...DEFAULT_LISTS, ...own].map((l) => [l.alias, l.kind]));
}

/** Parsed rules, cached by id and version: a rule is parsed once per change, not per payment. */
export class RuleCache {
  private readonly parsed = new Map<
    string,
    { version: string; source: string; rule: ParsedRule }
  >();
  private readonly defaults = new Map<string, ParsedRule>();

  compile(
    rules: Array<{ id: string; source: string; version: string }> | null,
    ownRules: boolean,
    lists: Map<string, ListKind>,
  ): CompiledRule[] {
    if (!ownRules) {
      return DEFAULT_RULES.map((r) => {
        let parsed = this.defaults.get(r.id);
        if (!parsed) {
          parsed = parseRule(r.source, lists);
          this.defaults.set(r.id, parsed);
        }
        return { id: r.id, parsed };
      });
    }
    return (rules ?? []).map((r) => {
      const key = `${r.id}`;
      const cached = this.parsed.get(key);
      if (cached && cached.version === r.version && cached.source === r.source)
        return { id: r.id, parsed: cached.rule };
      // Checked when saved; parsed again here against the lists as they are now (a list removed
      // since makes the rule fail loudly rather than silently never match).
      const rule = parseRule(r.source, lists);
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(key, { version: r.version, source: r.source, rule });
      return { id: r.id, parsed: rule };
    });
  }
}

const ACTION_RANK: Record<RuleAction, number> = { request_3ds: 0, allow: 1, block: 2, review: 3 };

/**
 * The first rule that matches, taking the actions in Radar's order (request 3-D Secure, allow,
 * block, review) and the rules of one action in the merchant's order. None: allowed.
 */
export function decide(
  rules: readonly CompiledRule[],
  features: FeatureVector,
  onList: (list: string, value: string) => boolean,
): CompiledRule | undefined {
  const ordered = [...rules].sort(
    (a, b) => ACTION_RANK[a.parsed.action] - ACTION_RANK[b.parsed.action],
  );
  return ordered.find((rule) => evaluate(rule.parsed.condition, features, onList));
}

export function amountInUsd(
  amount: number | bigint,
  currency: string,
  rates: ReadonlyMap<string, Decimal>,
): Decimal | null {
  const rate = currency === 'USD' ? decimalOf(1) : rates.get(currency);
  if (!rate) return null;
  const major = minorUnits(BigInt(amount), exponentOf(currency));
  return roundDecimal(multiplyDecimals(major, rate), 2);
}

const n = (value: number | string) => decimalOf(BigInt(value));

/**
 * Assembles the features of a payment from its request, its scoring row and the country of its
 * address (assess looks it up once, for the lists too), and scores them.
 */
function featuresOf(
  request: ScoreRequest,
  row: ScoringRow,
  ipCountry: string | null,
  options: ScoringOptions,
): { features: FeatureVector; score: Score } {
  let ratio: Decimal | null = null;
  if (row.amounts && BigInt(row.amounts.amount) > 0n) {
    // amount ÷ (sum ÷ payments), to 4 places, in integers.
    const units =
      (BigInt(request.amount) * BigInt(row.amounts.payments) * 10_000n) /
      BigInt(row.amounts.amount);
    ratio = { units, scale: 4 };
  }
  const email = request.email?.toLowerCase() ?? null;
  const features: Omit<FeatureVector, 'risk_score'> = {
    amount: decimalOf(request.amount),
    currency: request.currency.toLowerCase(),
    amount_in_usd: amountInUsd(request.amount, request.currency, options.usdRates),
    amount_to_merchant_average: ratio,
    card_fingerprint: request.card.fingerprint,
    card_brand: request.card.brand,
    card_funding: request.card.funding,
    card_country: request.card.country,
    email,
    email_domain: email?.includes('@') ? (email.split('@').pop() ?? null) : null,
    ip_address: request.ip,
    ip_country: ipCountry,
    is_new_card: !row.card.seen_before,
    payment_count_for_card_hourly: n(row.card.payments_hourly),
    payment_count_for_card_daily: n(row.card.payments_daily),
    declined_count_for_card_hourly: n(row.card.declined_hourly),
    declined_count_for_card_daily: n(row.card.declined_daily),
    payment_count_for_email_hourly: row.email ? n(row.email.payments_hourly) : null,
    payment_count_for_email_daily: row.email ? n(row.email.payments_daily) : null,
    card_count_for_email_hourly: row.email ? n(row.email.cards_hourly) : null,
    card_count_for_email_daily: row.email ? n(row.email.cards_daily) : null,
    payment_count_for_customer_hourly: row.customer ? n(row.customer.payments_hourly) : null,
    payment_count_for_customer_daily: row.customer ? n(row.customer.payments_daily) : null,
    card_count_for_customer_hourly: row.customer ? n(row.customer.cards_hourly) : null,
    card_count_for_customer_daily: row.customer ? n(row.customer.cards_daily) : null,
    payment_count_for_ip_hourly: row.ip ? n(row.ip.payments_hourly) : null,
    payment_count_for_ip_daily: row.ip ? n(row.ip.payments_daily) : null,
    declined_count_for_ip_hourly: row.ip ? n(row.ip.declined_hourly) : null,
    declined_count_for_ip_daily: row.ip ? n(row.ip.declined_daily) : null,
    card_count_for_ip_hourly: row.ip ? n(row.ip.cards_hourly) : null,
    card_count_for_ip_daily: row.ip ? n(row.ip.cards_daily) : null,
    failed_3ds_count_for_card_daily: n(row.card.failed_3ds_daily),
  };
  const score = scoreOf(features);
  return { features: { ...features, risk_score: decimalOf(score.score) }, score };
}

export function serializeFeatures(features: FeatureVector): Assessment['features'] {
  const out = {} as Assessment['features'];
  for (const [name, value] of Object.entries(features) as Array<[FeatureName, FeatureValue]>)
    out[name] = isDecimal(value) ? formatDecimal(value) : value;
  return out;
}

/**
 * Scores one payment: features (one query), score, rules. The scorer of the fraud service; the
 * same function runs a rule against history (backtest) with stored features instead.
 */
export async function assess(
  db: Queryable,
  request: ScoreRequest,
  now: Date,
  options: ScoringOptions,
  cache: RuleCache,
): Promise<Assessment> {
  const ipCountry = request.ip ? (options.geoIp?.countryOf(request.ip) ?? null) : null;
  const values = [
    request.card.fingerprint,
    request.email?.toLowerCase(),
    request.ip,
    request.card.country,
    ipCountry,
  ].filter((v): v is string => typeof v === 'string');
  const row = await loadScoringRow(db, request, now, values);
  const { features, score: scored } = featuresOf(request, row, ipCountry, options);
  const listed = new Set((row.listed ?? []).map((l) => `${l.list}\u0000${l.value}`));
  const rules = cache.compile(row.rules, row.own_rules, listCatalog(row.lists ?? []));
  const match = decide(rules, features, (list, value) => listed.has(`${list}\u0000${value}`));
  const { score, reasons } = scored;
  return {
    outcome: match?.parsed.action ?? 'allow',
    score,
    level: levelOf(score),
    rule: match
      ? { id: match.id, action: match.parsed.action, predicate: match.parsed.predicate }
      : null,
    reasons,
    features: serializeFeatures(features),
  };
}

export type { Condition };
