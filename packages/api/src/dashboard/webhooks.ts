import { idSchema, webhookEndpointId } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { eventView, invalidRequest, loadEvent, notFound } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import type { DashboardPrincipal } from '../procedures.ts';

/**
 * The webhook delivery log the dashboard shows: an endpoint's deliveries newest first, one
 * delivery with every attempt (the request's headers and the event's JSON as its body, the
 * answer's status, headers and first 4 KiB), and resending. Scoped to the merchant and mode of
 * the request through the endpoint: another merchant's delivery is a 404.
 *
 * Resending makes one more attempt now. Only a finished delivery (succeeded, or dead after its
 * last attempt) is resent; a pending one is already on its retry schedule. If the resent attempt
 * fails the delivery is dead again (it gets no new schedule): resend again when the endpoint is
 * fixed.
 */
const seconds = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : null);

export interface DeliveryView {
  id: string;
  object: 'webhook_delivery';
  endpoint: string;
  event: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'dead';
  attempts: number;
  last_attempt_at: number | null;
  next_attempt_at: number | null;
  last_response_status: number | null;
  last_error: string | null;
  created: number;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryView['status'];
  attempts: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: Date;
  endpoint_status: string;
}

const view = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  object: 'webhook_delivery',
  endpoint: row.endpoint_id,
  event: row.event_id,
  event_type: row.event_type,
  status: row.status,
  attempts: row.attempts,
  last_attempt_at: seconds(row.last_attempt_at),
  next_attempt_at: seconds(row.next_attempt_at),
  last_response_status: row.last_response_status,
  last_error: row.last_error,
  created: seconds(row.created_at) as number,
});

const SELECT = `
  SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, d.last_attempt_at,
         d.next_attempt_at, d.last_response_status, d.last_error, d.created_at,
         e.status AS endpoint_status
    FROM webhook_deliveries d
    JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.merchant_id = $1 AND e.livemode = $2`;

const deliveryId = idSchema('webhookDelivery');

export const listDeliveriesInput = z
  .object({
    endpoint: webhookEndpointId,
    status: z.enum(['pending', 'succeeded', 'dead']).optional(),
    limit: z.number().int().min(1).max(100).default(20),
    /** The last delivery of the page before: the next page is older. */
    starting_after: deliveryId.optional(),
  })
  .strict();

export async function listDeliveries(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof listDeliveriesInput>,
) {
  const params: unknown[] = [principal.merchantId, principal.livemode, input.endpoint];
  let where = 'd.endpoint_id = $3';
  if (input.status) {
    params.push(input.status);
    where += ` AND d.status = $${params.length}`;
  }
  if (input.starting_after) {
    params.push(input.starting_after);
    where += ` AND (d.created_at, d.id) < (SELECT created_at, id FROM webhook_deliveries
                                           WHERE id = $${params.length} AND endpoint_id = $3)`;
  }
  params.push(input.limit + 1);
  const { rows } = await pool.query<DeliveryRow>(
    `${SELECT} WHERE ${where} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
    params,
  );
  return {
    object: 'list' as const,
    data: rows.slice(0, input.limit).map(view),
    has_more: rows.length > input.limit,
  };
}

async function loadDelivery(
  db: pg.Pool | pg.PoolClient,
  principal: DashboardPrincipal,
  id: string,
  lock = false,
): Promise<DeliveryRow> {
  const { rows } = await db.query<DeliveryRow>(
    `${SELECT} WHERE d.id = $3 ${lock ? 'FOR UPDATE OF d' : ''}`,
    [principal.merchantId, principal.livemode, id],
  );
  const row = rows[0];
  if (!row) throw notFound('webhook_delivery', id);
  return row;
}

/** One delivery: its attempts, oldest first, and the event it carries (each attempt's body). */
export async function deliveryDetail(pool: pg.Pool, principal: DashboardPrincipal, id: string) {
  const delivery = await loadDelivery(pool, principal, id);
  const [{ rows: attempts }, event] = await Promise.all([
    pool.query<{
      attempt: number;
      started_at: Date;
      duration_ms: number;
      request_url: string;
      request_headers: Record<string, string>;
      response_status: number | null;
      response_headers: Record<string, string> | null;
      response_body: string | null;
      error: string | null;
      succeeded: boolean;
    }>(
      `SELECT attempt, started_at, duration_ms, request_url, request_headers, response_status,
              response_headers, response_body, error, succeeded
         FROM webhook_delivery_attempts WHERE delivery_id = $1 AND merchant_id = $2
        ORDER BY id`,
      [delivery.id, principal.merchantId],
    ),
    loadEvent(pool, principal, delivery.event_id),
  ]);
  return {
    ...view(delivery),
    /** The request body of every attempt: the event as JSON. */
    request_body: JSON.stringify(eventView(event)),
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      started: seconds(a.started_at) as number,
      duration_ms: a.duration_ms,
      request: { method: 'POST' as const, url: a.request_url, headers: a.request_headers },
      response:
        a.response_status === null
          ? null
          : { status: a.response_status, headers: a.response_headers, body: a.response_body },
      error: a.error,
      succeeded: a.succeeded,
    })),
  };
}

/** Nothing is resent to a disabled endpoint (`param` names what the request gave). */
function assertEnabled(endpointStatus: string, param: string) {
  if (endpointStatus !== 'enabled') {
    throw invalidRequest(
      'endpoint_disabled',
      'The endpoint is disabled: enable it before resending to it.',
      param,
    );
  }
}

export const resendDeliveryInput = z.object({ id: deliveryId }).strict();

/**
 * One more attempt of a finished delivery, now. "Now" is the database's: the worker reads due
 * deliveries against it.
 */
export async function resendDelivery(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof resendDeliveryInput>,
): Promise<DeliveryView> {
  return withTransaction(pool, async (tx) => {
    const row = await loadDelivery(tx, principal, input.id, true);
    assertEnabled(row.endpoint_status, 'id');
    if (row.status === 'pending') {
      throw invalidRequest(
        'delivery_pending',
        'This delivery is still being attempted on its schedule; it can be resent once it has succeeded or failed.',
        'id',
      );
    }
    const { rows } = await tx.query<{ next_attempt_at: Date }>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
        WHERE id = $1 RETURNING next_attempt_at`,
      [row.id],
    );
    return view({ ...row, status: 'pending', next_attempt_at: rows[0]?.next_attempt_at ?? null });
  });
}

export const resendFailedInput = z
  .object({
    endpoint: webhookEndpointId,
    /** Deliveries created at or after this time (Unix seconds). */
    since: z.number().int().min(0),
  })
  .strict();

/** One more attempt, now, of every dead delivery of the endpoint created since `since`. */
export async function resendFailed(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof resendFailedInput>,
): Promise<{ object: 'webhook_resend'; id: string; resent: number }> {
  const { rows } = await pool.query<{ status: string }>(
    'SELECT status FROM webhook_endpoints WHERE id = $1 AND merchant_id = $2 AND livemode = $3',
    [input.endpoint, principal.merchantId, principal.livemode],
  );
  const endpoint = rows[0];
  if (!endpoint) throw notFound('webhook_endpoint', input.endpoint, 'endpoint');
  assertEnabled(endpoint.status, 'endpoint');
  const { rowCount } = await pool.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
      WHERE endpoint_id = $1 AND merchant_id = $2 AND status = 'dead' AND created_at >= $3`,
    [input.endpoint, principal.merchantId, new Date(input.since * 1000)],
  );
  return { object: 'webhook_resend', id: input.endpoint, resent: rowCount ?? 0 };
}
