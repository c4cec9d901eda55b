import { KassaApiError } from '@kassa/payments';
import type pg from 'pg';
import { middleware } from '../init.ts';

/**
 * Records every call of a sign-in procedure in `auth_events`, after it ran: which procedure, its
 * outcome (and the error's code), the account when known, the email given, where from (PCI DSS
 * 10.2.1.4: invalid access attempts; 10.2.1.5: credential changes). Written in a statement of its
 * own; if it cannot be written the caller still gets the outcome, and the failure is logged.
 * Never the password or a code: only the email is read from the input.
 */
export const authEvents = middleware(async (opts) => {
  const { ctx, path, next } = opts;
  const result = await next();
  const raw = (await opts.getRawInput().catch(() => undefined)) as { email?: unknown } | undefined;
  const email =
    typeof raw?.email === 'string' ? raw.email.trim().toLowerCase().slice(0, 254) || null : null;
  const answer = result.ok ? (result.data as { user?: unknown } | undefined) : undefined;
  const errorCode = result.ok
    ? null
    : result.error.cause instanceof KassaApiError
      ? result.error.cause.code
      : result.error.code;
  const userAgent = ctx.headers['user-agent'];
  await ctx.db.pool
    .query(
      `INSERT INTO auth_events (action, outcome, error_code, user_id, email, origin, user_agent,
                                request_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        path,
        result.ok ? 'success' : 'failure',
        errorCode,
        typeof answer?.user === 'string' ? answer.user : null,
        email,
        ctx.clientIp ?? null,
        typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
        ctx.requestId,
        ctx.services.clock.now(),
      ],
    )
    .catch((err: unknown) => ctx.log.error({ err, action: path }, 'auth event not written'));
  return result;
});

export interface AuthEventView {
  id: string;
  object: 'auth_event';
  action: string;
  outcome: 'success' | 'failure';
  error_code: string | null;
  origin: string | null;
  user_agent: string | null;
  created: number;
}

/**
 * The latest sign-in activity of a user: their account's entries, and refused attempts with their
 * email (someone trying their password), newest first.
 */
export async function listAuthEvents(
  pool: pg.Pool,
  user: { id: string; email: string },
): Promise<{ object: 'list'; data: AuthEventView[]; has_more: false }> {
  const { rows } = await pool.query<{
    id: string;
    action: string;
    outcome: 'success' | 'failure';
    error_code: string | null;
    origin: string | null;
    user_agent: string | null;
    created_at: Date;
  }>(
    `SELECT id::text, action, outcome, error_code, host(origin) AS origin, user_agent, created_at
       FROM auth_events
      WHERE id IN ((SELECT id FROM auth_events WHERE user_id = $1 ORDER BY id DESC LIMIT 20)
                   UNION
                   (SELECT id FROM auth_events WHERE email = $2 ORDER BY id DESC LIMIT 20))
      ORDER BY id DESC LIMIT 20`,
    [user.id, user.email],
  );
  return {
    object: 'list',
    data: rows.map((row) => ({
      id: row.id,
      object: 'auth_event',
      action: row.action,
      outcome: row.outcome,
      error_code: row.error_code,
      origin: row.origin,
      user_agent: row.user_agent,
      created: Math.floor(row.created_at.getTime() / 1000),
    })),
    has_more: false,
  };
}
