import { type AuditLogEntryRecord, placeholders } from '@kassa/db';
import { KassaApiError, type Principal } from '@kassa/payments';
import { type Context, middleware } from './init.ts';

/** What an entry is written with (id and created_at are the database's). */
const COLUMNS = [
  'merchant_id',
  'livemode',
  'actor',
  'action',
  'outcome',
  'error_code',
  'object_id',
  'origin',
  'request_id',
] as const satisfies readonly (keyof AuditLogEntryRecord)[];
const INSERT = `INSERT INTO audit_log (${COLUMNS.join(', ')}) VALUES (${placeholders(COLUMNS.length)})`;

/** Who acted, as the audit log names them: a dashboard user (whose keyId is the user's id), or the API key. */
const actorOf = (principal: Principal): string =>
  principal.kind === 'dashboard' ? `user:${principal.keyId}` : `key:${principal.keyId}`;

/** The object a mutation created or changed: its answer's id, else the id it was given. */
function objectOf(data: unknown, input: unknown): string | null {
  for (const source of [data, input]) {
    if (typeof source !== 'object' || source === null) continue;
    const { id, payment_intent } = source as { id?: unknown; payment_intent?: unknown };
    if (typeof id === 'string') return id;
    if (typeof payment_intent === 'string') return payment_intent;
  }
  return null;
}

/**
 * Records every mutation of an authenticated caller in `audit_log`, after it ran: who, what,
 * when, success or failure (with the error's code), where from, and the object (PCI DSS 10.2).
 * Refusals are recorded too: a role without the permission, bad input, a decline. Queries are
 * not. The entry is written after the outcome is known, in a statement of its own; if it cannot
 * be written the caller still gets the outcome (money may already have moved), and the failure
 * is logged as an error.
 */
export const audited = middleware(async (opts) => {
  const { ctx, type, path, next } = opts;
  const result = await next();
  if (type !== 'mutation') return result;
  const principal = (ctx as Context & { principal?: Principal }).principal;
  if (!principal) throw new Error(`audited procedure ${path} ran without a principal`);
  const input = await opts.getRawInput().catch(() => undefined);
  const errorCode = result.ok
    ? null
    : result.error.cause instanceof KassaApiError
      ? result.error.cause.code
      : result.error.code;
  await recordAudit(ctx, principal, {
    action: path,
    outcome: result.ok ? 'success' : 'failure',
    errorCode,
    objectId: objectOf(result.ok ? result.data : undefined, input),
  });
  return result;
});

/**
 * Writes one audit entry, in a statement of its own. If it cannot be written the failure is
 * logged as an error and the caller goes on (the action it records has happened).
 */
export async function recordAudit(
  ctx: Context,
  principal: Principal,
  what: {
    action: string;
    outcome: 'success' | 'failure';
    errorCode: string | null;
    objectId: string | null;
  },
): Promise<void> {
  const entry: Pick<AuditLogEntryRecord, (typeof COLUMNS)[number]> = {
    merchant_id: principal.merchantId,
    livemode: principal.livemode,
    actor: actorOf(principal),
    action: what.action,
    outcome: what.outcome,
    error_code: what.errorCode,
    object_id: what.objectId,
    origin: ctx.clientIp ?? null,
    request_id: ctx.requestId,
  };
  await ctx.db.pool
    .query(
      INSERT,
      COLUMNS.map((column) => entry[column]),
    )
    .catch((err: unknown) =>
      ctx.log.error({ err, action: what.action }, 'audit log entry not written'),
    );
}
