import { z } from 'zod';
/** The event types a merchant sees (webhooks carry the same). */
import { type EventType, eventTypes } from './event-types.ts';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';

export { type EventType, eventTypes };

export const eventId = idSchema('event');

/**
 * Something that happened to one of the merchant's objects, read from the ledger's event log:
 * `data.object` is the object as it was right after (and `previous_attributes`, for updates,
 * what changed); `request` names the API request that caused it, if one did.
 */
export const eventSchema = z.object({
  id: z.string(),
  object: z.literal('event'),
  type: z.string(),
  created: z.number().int(),
  livemode: z.boolean(),
  data: z
    .object({
      object: z.record(z.string(), z.unknown()),
      previous_attributes: z.record(z.string(), z.unknown()).optional(),
    })
    .catchall(z.unknown()),
  request: z.object({ id: z.string().nullable(), idempotency_key: z.string().nullable() }),
});
export type Event = z.infer<typeof eventSchema>;

/** An event as the ledger's log stores it (`ledger_events`). */
export interface LoggedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: { requestId?: string; idempotencyKey?: string };
  /** As @kassa/ledger's RecordedEvent has it: a recorded event passes as it is. */
  occurredAt: Date;
}

/** The merchant's view of a logged event: what events.retrieve returns and webhooks carry. */
export function eventFromLog(row: LoggedEvent): Event {
  const { object, ...rest } = row.data as { object: Record<string, unknown> };
  return {
    id: row.id,
    object: 'event',
    type: row.type,
    created: Math.floor(row.occurredAt.getTime() / 1000),
    livemode: object.livemode === true,
    data: { object, ...rest },
    request: {
      id: row.metadata.requestId ?? null,
      idempotency_key: row.metadata.idempotencyKey ?? null,
    },
  };
}

export const retrieveEventInput = z.object({ id: eventId }).strict();

/** `type` is one type, or a family with a wildcard: `payment_intent.*`. */
export const listEventsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(eventId),
      type: z
        .string()
        .regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, {
          error: 'must be an event type, or a family like payment_intent.*',
        })
        .max(100)
        .optional(),
    })
    .strict(),
).default({ limit: 10 });

export const eventListSchema = listOf(eventSchema);

export const balanceAmountSchema = z.object({ amount: z.number().int(), currency: z.string() });

/**
 * What the platform owes the merchant, per currency, straight from the ledger: `available` can be
 * paid out; `pending` is captured but not settled yet (it goes down with refunds, and can go
 * below zero). Authorizations not yet captured are in neither.
 */
export const balanceSchema = z.object({
  object: z.literal('balance'),
  livemode: z.boolean(),
  available: z.array(balanceAmountSchema),
  pending: z.array(balanceAmountSchema),
});
export type Balance = z.infer<typeof balanceSchema>;

export type ListEventsInput = NonNullable<z.input<typeof listEventsInput>>;
