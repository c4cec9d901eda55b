import { createdRangeSchema } from '@kassa/contracts';
import { type AuditLogEntryRecord, query } from '@kassa/db';
import type { Principal } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import { pagedCsv } from './csv.ts';

const filters = {
  /** success or failure. */
  outcome: z.enum(['success', 'failure']).optional(),
  /** The procedure, e.g. `dashboard.refunds.create`; a trailing `*` takes every one it starts. */
  action: z
    .string()
    .regex(/^[A-Za-z.]{1,100}\*?$/, { error: 'must be a procedure name, or its start and *' })
    .optional(),
  /** `user:usr_…` or `key:key_…`. */
  actor: z
    .string()
    .regex(/^(user|key):[A-Za-z0-9_]{1,64}$/, { error: 'must be user:usr_… or key:key_…' })
    .optional(),
  object_id: z
    .string()
    .regex(/^[a-z]{1,5}_[A-Za-z0-9]{1,64}$/)
    .optional(),
  created: createdRangeSchema.optional(),
};

export const listAuditLogInput = z
  .object({
    limit: z.number().int().min(1).max(100).default(20),
    /** The entry after which the page starts (ids are given newest first). */
    starting_after: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
    ...filters,
  })
  .strict()
  .default({ limit: 20 });

export type AuditLogInput = z.output<typeof listAuditLogInput>;

/** The filters as SQL after `merchant_id = $1 AND livemode = $2`, with their values. */
function whereOf(input: AuditLogInput): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    parts.push(sql.replaceAll('?', `$${values.length + 2}`));
  };
  if (input.starting_after) add('id < ?::bigint', input.starting_after);
  if (input.outcome) add('outcome = ?', input.outcome);
  if (input.action?.endsWith('*')) add("action LIKE ? || '%'", input.action.slice(0, -1));
  else if (input.action) add('action = ?', input.action);
  if (input.actor) add('actor = ?', input.actor);
  if (input.object_id) add('object_id = ?', input.object_id);
  const created = input.created ?? {};
  if (created.gt !== undefined) add('created_at > to_timestamp(?)', created.gt);
  if (created.gte !== undefined) add('created_at >= to_timestamp(?)', created.gte);
  if (created.lt !== undefined) add('created_at < to_timestamp(?)', created.lt);
  if (created.lte !== undefined) add('created_at <= to_timestamp(?)', created.lte);
  return { sql: parts.map((p) => ` AND ${p}`).join(''), values };
}

type Entry = Omit<AuditLogEntryRecord, 'id'> & { id: bigint; actor_name: string | null };

/** The merchant's audit log in the principal's mode, newest first, filtered, a page at a time. */
export async function listAuditLog(
  pool: pg.Pool,
  principal: Principal,
  input: z.output<typeof listAuditLogInput>,
) {
  const where = whereOf(input);
  const rows = await query<Entry>(
    pool,
    `SELECT l.id, l.merchant_id, l.livemode, l.actor, l.action, l.outcome, l.error_code,
            l.object_id, host(l.origin) AS origin, l.request_id, l.created_at,
            -- Who that is today: the user's email, or the key's name and first characters.
            coalesce(u.email, k.name || ' (' || k.prefix || '…)', k.prefix || '…') AS actor_name
       FROM (SELECT * FROM audit_log
              WHERE merchant_id = $1 AND livemode = $2${where.sql}
              ORDER BY id DESC
              LIMIT $${where.values.length + 3}) l
       LEFT JOIN users u ON l.actor LIKE 'user:%' AND u.id = substr(l.actor, 6)
       LEFT JOIN api_keys k ON l.actor LIKE 'key:%' AND k.id = substr(l.actor, 5)
        AND k.merchant_id = l.merchant_id
      ORDER BY l.id DESC`,
    [principal.merchantId, principal.livemode, ...where.values, input.limit + 1],
  );
  return {
    object: 'list' as const,
    has_more: rows.length > input.limit,
    data: rows.slice(0, input.limit).map((row) => ({
      object: 'audit_log_entry' as const,
      id: row.id.toString(),
      actor: row.actor,
      /** The actor's email (a user) or name and first characters (a key); null once deleted. */
      actor_name: row.actor_name,
      action: row.action,
      outcome: row.outcome,
      error_code: row.error_code,
      object_id: row.object_id,
      origin: row.origin,
      request_id: row.request_id,
      livemode: row.livemode,
      created: Math.floor(row.created_at.getTime() / 1000),
    })),
  };
}

export const AUDIT_LOG_CSV_COLUMNS = [
  'id',
  'created_utc',
  'actor',
  'actor_name',
  'action',
  'outcome',
  'error_code',
  'object_id',
  'origin',
  'request_id',
] as const;

/** The filtered audit log as CSV, newest first, read 100 entries at a time (never all at once). */
export function auditLogCsv(
  pool: pg.Pool,
  principal: Principal,
  input: AuditLogInput,
): AsyncGenerator<string> {
  return pagedCsv(
    AUDIT_LOG_CSV_COLUMNS,
    (after) =>
      listAuditLog(pool, principal, {
        ...input,
        limit: 100,
        ...(after && { starting_after: after }),
      }),
    (e) => [
      e.id,
      new Date(e.created * 1000).toISOString(),
      e.actor,
      e.actor_name ?? '',
      e.action,
      e.outcome,
      e.error_code ?? '',
      e.object_id ?? '',
      e.origin ?? '',
      e.request_id,
    ],
  );
}
