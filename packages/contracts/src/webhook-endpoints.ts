import { z } from 'zod';
import { type EventType, eventTypes } from './events.ts';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';
import { metadataSchema } from './metadata.ts';

export const webhookEndpointId = idSchema('webhookEndpoint');
export const webhookEndpointStatuses = ['enabled', 'disabled'] as const;

/** What an endpoint can subscribe to: one type, a family (`payment_intent.*`) or everything (`*`). */
type EventFamily = EventType extends `${infer Family}.${string}` ? `${Family}.*` : never;
const eventFamilies = [...new Set(eventTypes.map((type) => `${type.split('.')[0]}.*`))] as [
  EventFamily,
  ...EventFamily[],
];

export const enabledEventSchema = z.union(
  [z.enum(eventTypes), z.enum(eventFamilies), z.literal('*')],
  { error: 'must be an event type, a family like payment_intent.*, or *' },
);

/**
 * Where Kassa sends a merchant's events. Each delivery is a POST of the event as JSON, signed
 * with the endpoint's secret in the `Kassa-Signature` header. `secret` is only returned when the
 * endpoint is created and when its secret is rolled: keep it on your server.
 */
export const webhookEndpointSchema = z.object({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  description: z.string().nullable(),
  enabled_events: z.array(z.string()),
  status: z.enum(webhookEndpointStatuses),
  metadata: z.record(z.string(), z.string()),
  livemode: z.boolean(),
  created: z.number().int(),
  secret: z.string().optional(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

const urlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2048, { error: 'must be at most 2048 characters' });
const enabledEventsSchema = z
  .array(enabledEventSchema)
  .min(1, { error: 'must name at least one event type' })
  .max(50, { error: 'must have at most 50 entries' });
const descriptionSchema = z.string().max(500, { error: 'must be at most 500 characters' });

/** webhookEndpoints.create: live-mode endpoints must use https. */
export const createWebhookEndpointInput = z
  .object({
    url: urlSchema,
    enabled_events: enabledEventsSchema,
    description: descriptionSchema.optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

export const retrieveWebhookEndpointInput = z.object({ id: webhookEndpointId }).strict();

/** webhookEndpoints.update: `disabled: true` stops deliveries until it is set back to false. */
export const updateWebhookEndpointInput = z
  .object({
    id: webhookEndpointId,
    url: urlSchema.optional(),
    enabled_events: enabledEventsSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    disabled: z.boolean().optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

/**
 * webhookEndpoints.rollSecret: a new secret signs every delivery from now on; the old one keeps
 * signing beside it (two `v1` values in one header) for `expires_in_hours` (0 to 168, default
 * 24), so receivers can switch without losing a delivery.
 */
export const rollWebhookEndpointSecretInput = z
  .object({
    id: webhookEndpointId,
    expires_in_hours: z
      .number()
      .int()
      .min(0, { error: 'must be between 0 and 168' })
      .max(168, { error: 'must be between 0 and 168' })
      .default(24),
  })
  .strict();

export const deleteWebhookEndpointInput = z.object({ id: webhookEndpointId }).strict();

export const deletedWebhookEndpointSchema = z.object({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  deleted: z.literal(true),
});
export type DeletedWebhookEndpoint = z.infer<typeof deletedWebhookEndpointSchema>;

export const listWebhookEndpointsInput = oneCursorOnly(
  z.object(paginationShape(webhookEndpointId)).strict(),
).default({ limit: 10 });

export const webhookEndpointListSchema = listOf(webhookEndpointSchema);

export type CreateWebhookEndpointInput = z.input<typeof createWebhookEndpointInput>;
export type UpdateWebhookEndpointInput = z.input<typeof updateWebhookEndpointInput>;
export type RollWebhookEndpointSecretInput = z.input<typeof rollWebhookEndpointSecretInput>;
export type ListWebhookEndpointsInput = NonNullable<z.input<typeof listWebhookEndpointsInput>>;
