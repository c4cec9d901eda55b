import type { Queryable } from '@kassa/db';
import { appendToStream, type EventMetadata, type JsonObject } from '@kassa/ledger';
import { completeCheckoutSessionOf } from '../checkout-sessions/complete.ts';
import type { DomainContext } from '../context.ts';
import type { PaymentIntentRow } from './store.ts';
import { paymentIntentView } from './view.ts';

/** Who did it and in which request: travels with the event to the bus and webhooks. */
export function eventMetadata(ctx: DomainContext): EventMetadata {
  const key = ctx.idempotencyKey;
  const traceparent = ctx.traceparent;
  return {
    actor:
      ctx.principal.actor ??
      `${ctx.principal.kind === 'secret' ? 'api_key' : 'checkout'}:${ctx.principal.keyId}`,
    requestId: ctx.requestId,
    ...(typeof key === 'string' && { idempotencyKey: key }),
    ...(typeof traceparent === 'string' && { traceparent }),
  };
}

/**
 * Appends events of one object to its stream (`<kind>:<id>`), each with `data` and the request's
 * metadata. `version` is the object's version after them (each event takes one): a concurrent
 * change to the same object fails instead of interleaving.
 */
export async function appendObjectEvents(
  tx: Queryable,
  ctx: DomainContext,
  object: { stream: string; version: number; merchantId: string },
  events: Array<{ type: string; data: JsonObject }>,
): Promise<void> {
  await appendToStream(tx, {
    occurredAt: ctx.services.clock.now(),
    stream: object.stream,
    expectedVersion:
      object.version === events.length ? 'no_stream' : object.version - events.length,
    merchantId: object.merchantId,
    events: events.map((event) => ({ ...event, metadata: eventMetadata(ctx) })),
  });
}

/**
 * Appends a payment intent event whose data is the payment as it now is (without its client
 * secret), as webhooks will carry it, to the stream `payment_intent:<id>`. `row.version` is the
 * version after this event: a concurrent change to the same payment fails instead of interleaving.
 */
export async function recordPaymentIntentEvent(
  tx: Queryable,
  ctx: DomainContext,
  row: PaymentIntentRow,
  type: string,
  extra: JsonObject = {},
): Promise<void> {
  const { client_secret: _, ...object } = paymentIntentView(row, ctx.services.clientSecretKey);
  await appendObjectEvents(
    tx,
    ctx,
    { stream: `payment_intent:${row.id}`, version: row.version, merchantId: row.merchant_id },
    [{ type, data: { object: object as unknown as JsonObject, ...extra } }],
  );
  if (type === 'payment_intent.succeeded' || type === 'payment_intent.amount_capturable_updated') {
    await completeCheckoutSessionOf(tx, ctx, row);
  }
}
