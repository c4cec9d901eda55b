import { type AuditLogEntryRecord, query } from '@kassa/db';
import type { Principal } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';

export const listAuditLogInput = z
  .object({
    limit: z.number().int().min(1).max(100).default(20),
    /** The entry after which the page starts (ids are given newest first). */
    starting_after: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
  })
  .strict()
  .default({ limit: 20 });

type Entry = Omit<AuditLogEntryRecord, 'id'> & { id: bigint };

/** The merchant's audit log in the principal's mode, newest first, a page at a time. */
export async function listAuditLog(
  pool: pg.Pool,
  principal: Principal,
  input: z.output<typeof listAuditLogInput>,
) {
  const rows = await query<Entry>(
    pool,
    `SELECT id, merchant_id, livemode, actor, action, outcome, error_code, object_id,
            host(origin) AS origin, request_id, created_at
       FROM audit_log
      WHERE merchant_id = $1 AND livemode = $2 AND ($3::bigint IS NULL OR id < $3::bigint)
      ORDER BY id DESC
      LIMIT $4`,
    [principal.merchantId, principal.livemode, input.starting_after ?? null, input.limit + 1],
  );
  return {
    object: 'list' as const,
    has_more: rows.length > input.limit,
    data: rows.slice(0, input.limit).map((row) => ({
      object: 'audit_log_entry' as const,
      id: row.id.toString(),
      actor: row.actor,
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
