import { isIP } from 'node:net';
import {
  type createRiskListInput,
  type createRiskRuleInput,
  newId,
  type RiskList,
  type RiskListItem,
  type RiskRule,
  type RiskRuleTest,
  type updateRiskRuleInput,
} from '@kassa/contracts';
import { type Queryable, query, type Transaction, withTransaction } from '@kassa/db';
import {
  DEFAULT_LISTS,
  DEFAULT_RULES,
  evaluate,
  FEATURES,
  type FeatureName,
  type FeatureVector,
  featureNames,
  type ListKind,
  listCatalog,
  type ParsedRule,
  parseDecimal,
  parseRule,
  RuleSyntaxError,
} from '@kassa/risk';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { invalidRequest, KassaApiError, notFound } from '../errors.ts';

// A merchant's risk rules, lists and fallback (docs/risk.md). Until a merchant changes a rule,
// its rules are the defaults (no rows); its first change copies them into risk_rules, marks
// risk_settings.own_rules, and from then on the rows are its rules.

interface RuleRow {
  id: string;
  action: RiskRule['action'];
  source: string;
  enabled: boolean;
  position: number;
}

const DEFAULT_POSITION_STEP = 10;

function ruleView(row: RuleRow, lists: Map<string, ListKind>): RiskRule {
  const preset = DEFAULT_RULES.find((r) => r.id === row.id);
  let predicate: string;
  try {
    predicate = parseRule(row.source, lists).predicate;
  } catch {
    // A list it names was removed since: shown as written (the scorer refuses it loudly).
    predicate = row.source.replace(/^\s*\w+\s+if\s+/i, '');
  }
  return {
    id: row.id,
    object: 'risk_rule',
    action: row.action,
    source: row.source,
    predicate,
    enabled: row.enabled,
    default: Boolean(preset),
    position: row.position,
    description: preset?.description ?? null,
  };
}

const defaultRows = (lists: Map<string, ListKind>): RuleRow[] =>
  DEFAULT_RULES.map((r, i) => ({
    id: r.id,
    action: parseRule(r.source, lists).action,
    source: r.source,
    enabled: true,
    position: (i + 1) * DEFAULT_POSITION_STEP,
  }));

async function ownLists(db: Queryable, ctx: DomainContext) {
  return query<{ id: string; alias: string; name: string; kind: ListKind }>(
    db,
    'SELECT id, alias, name, kind FROM risk_lists WHERE merchant_id = $1 AND livemode = $2 ORDER BY alias',
    [ctx.principal.merchantId, ctx.principal.livemode],
  );
}

async function catalogOf(db: Queryable, ctx: DomainContext) {
  return listCatalog(await ownLists(db, ctx));
}

async function ruleRows(db: Queryable, ctx: DomainContext, lists: Map<string, ListKind>) {
  const [settings] = await query<{ own_rules: boolean }>(
    db,
    'SELECT own_rules FROM risk_settings WHERE merchant_id = $1 AND livemode = $2',
    [ctx.principal.merchantId, ctx.principal.livemode],
  );
  if (!settings?.own_rules) return defaultRows(lists);
  return query<RuleRow>(
    db,
    `SELECT id, action, source, enabled, position FROM risk_rules
      WHERE merchant_id = $1 AND livemode = $2 ORDER BY position, id`,
    [ctx.principal.merchantId, ctx.principal.livemode],
  );
}

const ACTION_ORDER = ['request_3ds', 'allow', 'block', 'review'];

/** The merchant's rules in the order they are evaluated: by action, then position. */
export async function listRiskRules(db: Queryable, ctx: DomainContext) {
  const lists = await catalogOf(db, ctx);
  const rows = await ruleRows(db, ctx, lists);
  rows.sort(
    (a, b) =>
      ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) ||
      a.position - b.position ||
      a.id.localeCompare(b.id),
  );
  return { object: 'list' as const, data: rows.map((r) => ruleView(r, lists)), has_more: false };
}

/** A rule that does not parse or type-check: 400 `rule_invalid`, the reason and its column. */
function checked(source: string, lists: Map<string, ListKind>): ParsedRule {
  try {
    return parseRule(source, lists);
  } catch (error) {
    if (!(error instanceof RuleSyntaxError)) throw error;
    throw invalidRequest(
      'rule_invalid',
      `This rule is not valid: ${error.reason}, at column ${error.column}.`,
      'source',
    );
  }
}

/**
 * The merchant's rules as rows, copying the defaults there first (once, under the settings
 * row's lock, so two first changes at once copy them once).
 */
async function ownRules(tx: Transaction, ctx: DomainContext, lists: Map<string, ListKind>) {
  const { merchantId, livemode } = ctx.principal;
  await tx.query(
    `INSERT INTO risk_settings (merchant_id, livemode, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (merchant_id, livemode) DO NOTHING`,
    [merchantId, livemode],
  );
  const [settings] = await query<{ own_rules: boolean }>(
    tx,
    'SELECT own_rules FROM risk_settings WHERE merchant_id = $1 AND livemode = $2 FOR UPDATE',
    [merchantId, livemode],
  );
  if (!settings?.own_rules) {
    const now = ctx.services.clock.now();
    for (const row of defaultRows(lists)) {
      await tx.query(
        `INSERT INTO risk_rules (id, merchant_id, livemode, action, source, enabled, position,
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
        [row.id, merchantId, livemode, row.action, row.source, row.enabled, row.position, now],
      );
    }
    await tx.query(
      `UPDATE risk_settings SET own_rules = true, updated_at = now()
        WHERE merchant_id = $1 AND livemode = $2`,
      [merchantId, livemode],
    );
  }
}

export async function createRiskRule(
  ctx: DomainContext,
  input: z.output<typeof createRiskRuleInput>,
): Promise<RiskRule> {
  return withTransaction(ctx.services.db.pool, async (tx) => {
    const lists = await catalogOf(tx, ctx);
    const parsed = checked(input.source, lists);
    await ownRules(tx, ctx, lists);
    const [last] = await query<{ position: number | null }>(
      tx,
      'SELECT max(position) AS position FROM risk_rules WHERE merchant_id = $1 AND livemode = $2',
      [ctx.principal.merchantId, ctx.principal.livemode],
    );
    const row: RuleRow = {
      id: newId('riskRule'),
      action: parsed.action,
      source: input.source.trim(),
      enabled: input.enabled,
      position: input.position ?? (last?.position ?? 0) + DEFAULT_POSITION_STEP,
    };
    const now = ctx.services.clock.now();
    await tx.query(
      `INSERT INTO risk_rules (id, merchant_id, livemode, action, source, enabled, position,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [
        row.id,
        ctx.principal.merchantId,
        ctx.principal.livemode,
        row.action,
        row.source,
        row.enabled,
        row.position,
        now,
      ],
    );
    return ruleView(row, lists);
  });
}

export async function updateRiskRule(
  ctx: DomainContext,
  input: z.output<typeof updateRiskRuleInput>,
): Promise<RiskRule> {
  return withTransaction(ctx.services.db.pool, async (tx) => {
    const lists = await catalogOf(tx, ctx);
    const isDefault = DEFAULT_RULES.some((r) => r.id === input.id);
    if (isDefault && input.source !== undefined)
      throw invalidRequest(
        'rule_default',
        'A default rule cannot be edited: disable it and add your own.',
        'source',
      );
    const parsed = input.source === undefined ? undefined : checked(input.source, lists);
    await ownRules(tx, ctx, lists);
    const [row] = await query<RuleRow>(
      tx,
      `UPDATE risk_rules SET
         source = coalesce($4, source), action = coalesce($5, action),
         enabled = coalesce($6, enabled), position = coalesce($7, position), updated_at = $8
       WHERE merchant_id = $1 AND livemode = $2 AND id = $3
       RETURNING id, action, source, enabled, position`,
      [
        ctx.principal.merchantId,
        ctx.principal.livemode,
        input.id,
        input.source?.trim() ?? null,
        parsed?.action ?? null,
        input.enabled ?? null,
        input.position ?? null,
        ctx.services.clock.now(),
      ],
    );
    if (!row) throw notFound('risk rule', input.id);
    return ruleView(row, lists);
  });
}

export async function deleteRiskRule(
  ctx: DomainContext,
  id: string,
): Promise<{ id: string; object: 'risk_rule'; deleted: true }> {
  if (DEFAULT_RULES.some((r) => r.id === id))
    throw invalidRequest('rule_default', 'A default rule cannot be deleted: disable it.', 'id');
  return withTransaction(ctx.services.db.pool, async (tx) => {
    const { rowCount } = await tx.query(
      'DELETE FROM risk_rules WHERE merchant_id = $1 AND livemode = $2 AND id = $3',
      [ctx.principal.merchantId, ctx.principal.livemode, id],
    );
    if (rowCount !== 1) throw notFound('risk rule', id);
    return { id, object: 'risk_rule' as const, deleted: true as const };
  });
}

const BACKTEST_DAYS = 30;

/** Features as stored with an assessment (decimals as strings), as rules read them. */
function featuresFromStored(stored: Record<string, string | boolean | null>): FeatureVector {
  const out = {} as FeatureVector;
  for (const name of featureNames) {
    const value = stored[name] ?? null;
    out[name as FeatureName] =
      typeof value === 'string' && FEATURES[name].type === 'number' ? parseDecimal(value) : value;
  }
  return out;
}

/**
 * "This rule would have blocked 12 payments": the rule run over the features each payment of
 * the last 30 days was scored with, and the lists as they are now.
 */
export async function testRiskRule(
  db: Queryable,
  ctx: DomainContext,
  source: string,
): Promise<RiskRuleTest> {
  const lists = await catalogOf(db, ctx);
  const parsed = checked(source, lists);
  const since = new Date(ctx.services.clock.now().getTime() - BACKTEST_DAYS * 86_400_000);
  const listed = new Set(
    (
      await query<{ list_alias: string; value: string }>(
        db,
        `SELECT list_alias, value FROM risk_list_items
          WHERE merchant_id = $1 AND livemode = $2 AND list_alias = ANY($3::text[])`,
        [ctx.principal.merchantId, ctx.principal.livemode, parsed.lists],
      )
    ).map((r) => `${r.list_alias}\u0000${r.value}`),
  );
  const rows = await query<{
    payment_intent_id: string;
    outcome: string;
    features: Record<string, string | boolean | null>;
  }>(
    db,
    `SELECT payment_intent_id, outcome, features FROM risk_assessments
      WHERE merchant_id = $1 AND livemode = $2 AND created_at >= $3 AND features IS NOT NULL
      ORDER BY created_at DESC, id DESC`,
    [ctx.principal.merchantId, ctx.principal.livemode, since],
  );
  let matched = 0;
  let changed = 0;
  const payments: string[] = [];
  for (const row of rows) {
    const features = featuresFromStored(row.features);
    if (!evaluate(parsed.condition, features, (l, v) => listed.has(`${l}\u0000${v}`))) continue;
    matched += 1;
    if (row.outcome !== parsed.action) changed += 1;
    if (payments.length < 20 && !payments.includes(row.payment_intent_id))
      payments.push(row.payment_intent_id);
  }
  return {
    object: 'risk_rule_test',
    action: parsed.action,
    assessed: rows.length,
    matched,
    changed,
    payment_intents: payments,
    since: Math.floor(since.getTime() / 1000),
  };
}

export async function riskSettings(db: Queryable, ctx: DomainContext) {
  const [row] = await query<{ fallback: 'allow_and_review' | 'block' }>(
    db,
    'SELECT fallback FROM risk_settings WHERE merchant_id = $1 AND livemode = $2',
    [ctx.principal.merchantId, ctx.principal.livemode],
  );
  return { object: 'risk_settings' as const, fallback: row?.fallback ?? 'allow_and_review' };
}

export async function updateRiskSettings(
  ctx: DomainContext,
  input: { fallback: 'allow_and_review' | 'block' },
) {
  await query(
    ctx.services.db.pool,
    `INSERT INTO risk_settings (merchant_id, livemode, fallback, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (merchant_id, livemode) DO UPDATE SET fallback = EXCLUDED.fallback, updated_at = now()`,
    [ctx.principal.merchantId, ctx.principal.livemode, input.fallback],
  );
  return { object: 'risk_settings' as const, fallback: input.fallback };
}

// Lists.

export async function listRiskLists(db: Queryable, ctx: DomainContext) {
  const own = await ownLists(db, ctx);
  const counts = new Map(
    (
      await query<{ list_alias: string; n: bigint }>(
        db,
        `SELECT list_alias, count(*) AS n FROM risk_list_items
          WHERE merchant_id = $1 AND livemode = $2 GROUP BY list_alias`,
        [ctx.principal.merchantId, ctx.principal.livemode],
      )
    ).map((r) => [r.list_alias, Number(r.n)]),
  );
  const data: RiskList[] = [
    ...DEFAULT_LISTS.map((l) => ({ ...l, id: `rl_default_${l.alias}`, default: true })),
    ...own.map((l) => ({ ...l, default: false })),
  ].map((l) => ({
    id: l.id,
    object: 'risk_list',
    alias: l.alias,
    name: l.name,
    kind: l.kind,
    default: l.default,
    items: counts.get(l.alias) ?? 0,
  }));
  return { object: 'list' as const, data, has_more: false };
}

export async function createRiskList(
  ctx: DomainContext,
  input: z.output<typeof createRiskListInput>,
): Promise<RiskList> {
  if (DEFAULT_LISTS.some((l) => l.alias === input.alias))
    throw invalidRequest('list_exists', `@${input.alias} is a default list.`, 'alias');
  const id = newId('riskList');
  const inserted = await query(
    ctx.services.db.pool,
    `INSERT INTO risk_lists (id, merchant_id, livemode, alias, name, kind, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (merchant_id, livemode, alias) DO NOTHING
     RETURNING id`,
    [
      id,
      ctx.principal.merchantId,
      ctx.principal.livemode,
      input.alias,
      input.name,
      input.kind,
      ctx.services.clock.now(),
    ],
  );
  if (inserted.length === 0)
    throw invalidRequest('list_exists', `You already have a list @${input.alias}.`, 'alias');
  return { id, object: 'risk_list', ...input, default: false, items: 0 };
}

async function kindOfList(db: Queryable, ctx: DomainContext, alias: string): Promise<ListKind> {
  const kind = (await catalogOf(db, ctx)).get(alias);
  if (!kind) throw notFound('risk list', alias, 'list');
  return kind;
}

/** A value as its list keeps it: emails lower case, countries upper case, addresses checked. */
function normalized(kind: ListKind, value: string): string {
  const text = value.trim();
  const refuse = (what: string) =>
    new KassaApiError({
      type: 'invalid_request_error',
      code: 'list_item_invalid',
      message: `This list holds ${what}: ${JSON.stringify(text.slice(0, 40))} is not one.`,
      param: 'value',
    });
  switch (kind) {
    case 'email':
      if (!/^[^\s@]+@[^\s@]+$/.test(text)) throw refuse('emails');
      return text.toLowerCase();
    case 'country':
      if (!/^[A-Za-z]{2}$/.test(text)) throw refuse('two-letter country codes');
      return text.toUpperCase();
    case 'ip_address':
      if (isIP(text) === 0) throw refuse('IP addresses');
      return text.toLowerCase();
    case 'card_fingerprint':
      if (!/^[A-Za-z0-9_-]{8,128}$/.test(text)) throw refuse('card fingerprints');
      return text;
    case 'string':
      return text;
  }
}

export async function addRiskListItem(
  ctx: DomainContext,
  input: { list: string; value: string },
): Promise<RiskListItem> {
  const db = ctx.services.db.pool;
  const kind = await kindOfList(db, ctx, input.list);
  const value = normalized(kind, input.value);
  const created = ctx.services.clock.now();
  const [row] = await query<{ id: string; created_at: Date }>(
    db,
    `INSERT INTO risk_list_items (id, merchant_id, livemode, list_alias, value, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (merchant_id, livemode, list_alias, value) DO UPDATE SET value = EXCLUDED.value
     RETURNING id, created_at`,
    [
      newId('riskListItem'),
      ctx.principal.merchantId,
      ctx.principal.livemode,
      input.list,
      value,
      ctx.principal.actor ?? `${ctx.principal.kind}:${ctx.principal.keyId}`,
      created,
    ],
  );
  if (!row) throw new Error('the list item upsert returned no row');
  return {
    id: row.id,
    object: 'risk_list_item',
    list: input.list,
    value,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

export async function removeRiskListItem(
  ctx: DomainContext,
  input: { list: string; value: string },
): Promise<{ object: 'risk_list_item'; list: string; value: string; deleted: true }> {
  const db = ctx.services.db.pool;
  const kind = await kindOfList(db, ctx, input.list);
  const value = normalized(kind, input.value);
  const { rowCount } = await db.query(
    `DELETE FROM risk_list_items
      WHERE merchant_id = $1 AND livemode = $2 AND list_alias = $3 AND value = $4`,
    [ctx.principal.merchantId, ctx.principal.livemode, input.list, value],
  );
  if (rowCount !== 1) throw notFound('list item', value, 'value');
  return { object: 'risk_list_item', list: input.list, value, deleted: true };
}

export async function listRiskListItems(
  db: Queryable,
  ctx: DomainContext,
  input: { list: string; limit: number },
) {
  await kindOfList(db, ctx, input.list);
  const rows = await query<{ id: string; value: string; created_at: Date }>(
    db,
    `SELECT id, value, created_at FROM risk_list_items
      WHERE merchant_id = $1 AND livemode = $2 AND list_alias = $3
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [ctx.principal.merchantId, ctx.principal.livemode, input.list, input.limit + 1],
  );
  return {
    object: 'list' as const,
    data: rows.slice(0, input.limit).map(
      (r): RiskListItem => ({
        id: r.id,
        object: 'risk_list_item',
        list: input.list,
        value: r.value,
        created: Math.floor(r.created_at.getTime() / 1000),
      }),
    ),
    has_more: rows.length > input.limit,
  };
}
