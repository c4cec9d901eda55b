import type { ListKind } from './features.ts';

/**
 * What every merchant starts with: the default lists (empty until the merchant adds to them)
 * and the default rules. A merchant can disable a default rule, reorder it, and add their own;
 * a default list cannot be removed.
 */
export const DEFAULT_LISTS: ReadonlyArray<{ alias: string; name: string; kind: ListKind }> = [
  { alias: 'allowed_card_fingerprints', name: 'Allowed cards', kind: 'card_fingerprint' },
  { alias: 'allowed_emails', name: 'Allowed emails', kind: 'email' },
  { alias: 'allowed_ips', name: 'Allowed IP addresses', kind: 'ip_address' },
  { alias: 'blocked_card_fingerprints', name: 'Blocked cards', kind: 'card_fingerprint' },
  { alias: 'blocked_emails', name: 'Blocked emails', kind: 'email' },
  { alias: 'blocked_ips', name: 'Blocked IP addresses', kind: 'ip_address' },
  { alias: 'blocked_countries', name: 'Blocked countries', kind: 'country' },
];

export interface DefaultRule {
  /** `rule_default_<key>`. */
  id: string;
  source: string;
  description: string;
}

const rule = (key: string, source: string, description: string): DefaultRule => ({
  id: `rule_default_${key}`,
  source,
  description,
});

export const DEFAULT_RULES: readonly DefaultRule[] = [
  rule(
    'allowed_cards',
    'allow if :card_fingerprint: in @allowed_card_fingerprints',
    'Cards on the allow list are never blocked or reviewed.',
  ),
  rule('allowed_emails', 'allow if :email: in @allowed_emails', 'Emails on the allow list.'),
  rule('allowed_ips', 'allow if :ip_address: in @allowed_ips', 'Addresses on the allow list.'),
  rule(
    'blocked_cards',
    'block if :card_fingerprint: in @blocked_card_fingerprints',
    'Cards on the block list.',
  ),
  rule('blocked_emails', 'block if :email: in @blocked_emails', 'Emails on the block list.'),
  rule('blocked_ips', 'block if :ip_address: in @blocked_ips', 'Addresses on the block list.'),
  rule(
    'blocked_countries',
    'block if :card_country: in @blocked_countries or :ip_country: in @blocked_countries',
    'Cards issued in, or shoppers in, a country on the block list.',
  ),
  rule(
    'card_velocity',
    'block if :payment_count_for_card_hourly: >= 5',
    'A sixth payment with one card within an hour (card testing, or a stolen card used fast).',
  ),
  rule('highest_risk', 'block if :risk_score: >= 85', 'Payments of the highest risk level.'),
  rule(
    'elevated_risk',
    'review if :risk_score: >= 65',
    'Payments of elevated risk wait for a person.',
  ),
];
