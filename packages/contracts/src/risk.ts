import { z } from 'zod';

/** The actions a rule can take, in the order they are evaluated. */
export const riskRuleActions = ['request_3ds', 'allow', 'block', 'review'] as const;
export const riskListKinds = [
  'card_fingerprint',
  'email',
  'ip_address',
  'country',
  'string',
] as const;

const ruleId = z
  .string()
  .regex(/^rule_[0-9A-Za-z_]{1,64}$/, { error: 'must be a rule id (rule_...)' });
const ruleSource = z
  .string({ error: 'must be a rule, e.g. block if :amount_in_usd: > 1000' })
  .min(1, { error: 'is required' })
  .max(1000, { error: 'must be at most 1000 characters' });
const listAlias = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, {
  error: 'must be lower case letters, digits and _, starting with a letter',
});

/**
 * A risk rule (docs/risk.md): `<action> if <condition>` in Kassa's rules language. The default
 * rules (`rule_default_…`) can be disabled and moved, not edited or deleted.
 */
export const riskRuleSchema = z.object({
  id: z.string(),
  object: z.literal('risk_rule'),
  action: z.enum(riskRuleActions),
  source: z.string(),
  predicate: z.string(),
  enabled: z.boolean(),
  default: z.boolean(),
  /** Order among the rules of its action (ascending). */
  position: z.number().int(),
  description: z.string().nullable(),
});
export type RiskRule = z.infer<typeof riskRuleSchema>;

export const createRiskRuleInput = z
  .object({
    source: ruleSource,
    enabled: z.boolean().default(true),
    position: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();

export const updateRiskRuleInput = z
  .object({
    id: ruleId,
    source: ruleSource.optional(),
    enabled: z.boolean().optional(),
    position: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();

export const deleteRiskRuleInput = z.object({ id: ruleId }).strict();

/** Runs a rule over the last 30 days of payments, as they were scored: what it would have done. */
export const testRiskRuleInput = z.object({ source: ruleSource }).strict();

export const riskRuleTestSchema = z.object({
  object: z.literal('risk_rule_test'),
  action: z.enum(riskRuleActions),
  /** Scored payments (authorization attempts) of the last 30 days. */
  assessed: z.number().int(),
  /** How many of them the rule matches. */
  matched: z.number().int(),
  /** Of those, how many another rule decided otherwise (what would change). */
  changed: z.number().int(),
  /** Up to 20 of the payments it matches, newest first. */
  payment_intents: z.array(z.string()),
  since: z.number().int(),
});
export type RiskRuleTest = z.infer<typeof riskRuleTestSchema>;

export const riskSettingsSchema = z.object({
  object: z.literal('risk_settings'),
  /** What decides when the fraud service does not answer in time. */
  fallback: z.enum(['allow_and_review', 'block']),
});
export const updateRiskSettingsInput = z
  .object({ fallback: z.enum(['allow_and_review', 'block']) })
  .strict();

export const riskListSchema = z.object({
  id: z.string(),
  object: z.literal('risk_list'),
  alias: z.string(),
  name: z.string(),
  kind: z.enum(riskListKinds),
  default: z.boolean(),
  items: z.number().int(),
});
export type RiskList = z.infer<typeof riskListSchema>;

export const createRiskListInput = z
  .object({
    alias: listAlias,
    name: z.string().min(1).max(100),
    kind: z.enum(riskListKinds),
  })
  .strict();

export const riskListItemSchema = z.object({
  id: z.string(),
  object: z.literal('risk_list_item'),
  list: z.string(),
  value: z.string(),
  created: z.number().int(),
});
export type RiskListItem = z.infer<typeof riskListItemSchema>;

export const addRiskListItemInput = z
  .object({ list: listAlias, value: z.string().min(1).max(320) })
  .strict();
export const removeRiskListItemInput = z
  .object({ list: listAlias, value: z.string().min(1).max(320) })
  .strict();
export const listRiskListItemsInput = z
  .object({ list: listAlias, limit: z.number().int().min(1).max(100).default(100) })
  .strict();
