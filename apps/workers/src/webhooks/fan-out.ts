import { newId } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { BusEvent } from '@kassa/ledger';

/**
 * The first half of webhook delivery, run for every event of the bus: one pending delivery per
 * enabled endpoint of the event's merchant and mode that subscribes to its type (the type, its
 * family `payment_intent.*`, or `*`) and already existed when the event happened.
 *
 * Idempotent: a redelivered event finds its deliveries (unique on endpoint and event) and adds
 * none, so at-least-once from the bus is exactly one delivery per endpoint. Returns how many
 * deliveries it added.
 */
export async function fanOut(db: Queryable, event: BusEvent): Promise<number> {
  if (!event.merchantId || event.type.startsWith('ledger.')) return 0;
  const object = (event.data as { object?: { livemode?: unknown } }).object;
  if (!object) return 0;
  const family = `${event.type.split('.')[0]}.*`;
  const endpoints = await query<{ id: string }>(
    db,
    `SELECT id FROM webhook_endpoints
      WHERE merchant_id = $1 AND livemode = $2 AND status = 'enabled' AND created_at <= $3
        AND enabled_events && ARRAY[$4, $5, '*']`,
    [event.merchantId, object.livemode === true, event.occurredAt, event.type, family],
  );
  if (endpoints.length === 0) return 0;
  const values: unknown[] = [event.merchantId, event.id, event.type];
  const rows = endpoints.map((endpoint) => {
    values.push(newId('webhookDelivery'), endpoint.id);
    return `($${values.length - 1}, $${values.length}, $1, $2, $3, 'pending', now(), now())`;
  });
  const inserted = await query(
    db,
    `INSERT INTO webhook_deliveries
       (id, endpoint_id, merchant_id, event_id, event_type, status, next_attempt_at, updated_at)
     VALUES ${rows.join(', ')} ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id`,
    values,
  );
  return inserted.length;
}
