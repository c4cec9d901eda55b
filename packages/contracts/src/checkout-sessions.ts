import { z } from 'zod';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';
import { metadataSchema } from './metadata.ts';
import { amountSchema, apiCurrencySchema } from './money.ts';
import { captureMethods, paymentIntentStatuses } from './payment-intents.ts';

export const checkoutSessionId = idSchema('checkoutSession');
export const checkoutSessionStatuses = ['open', 'complete', 'expired'] as const;
export type CheckoutSessionStatus = (typeof checkoutSessionStatuses)[number];

/** Sessions last between 30 minutes and 24 hours (the default). */
export const CHECKOUT_SESSION_MIN_SECONDS = 30 * 60;
export const CHECKOUT_SESSION_MAX_SECONDS = 24 * 60 * 60;

export const lineItemSchema = z.object({
  name: z.string(),
  quantity: z.number().int(),
  unit_amount: z.number().int(),
  amount_total: z.number().int(),
});
export type LineItem = z.infer<typeof lineItemSchema>;

/**
 * A hosted payment page for one order. `url` is the page to send the shopper to; the shopper
 * pays there, and lands on `success_url` (with `{CHECKOUT_SESSION_ID}` replaced by the id) or,
 * on giving up, `cancel_url`. `client_secret` lets that page, and only it, act for the session.
 */
export const checkoutSessionSchema = z.object({
  id: z.string(),
  object: z.literal('checkout_session'),
  status: z.enum(checkoutSessionStatuses),
  payment_status: z.enum(['unpaid', 'paid']),
  amount_total: z.number().int(),
  currency: z.string(),
  line_items: z.array(lineItemSchema),
  customer_email: z.string().nullable(),
  capture_method: z.enum(captureMethods),
  success_url: z.string(),
  cancel_url: z.string(),
  url: z.string().nullable(),
  client_secret: z.string().nullable(),
  payment_intent: z.string(),
  expires_at: z.number().int(),
  completed_at: z.number().int().nullable(),
  metadata: z.record(z.string(), z.string()),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type CheckoutSession = z.infer<typeof checkoutSessionSchema>;

const redirectUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000, { error: 'must be at most 2000 characters' });

export const lineItemInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(250, { error: 'must be at most 250 characters' }),
    quantity: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be between 1 and 999' })
      .max(999, { error: 'must be between 1 and 999' })
      .default(1),
    unit_amount: amountSchema,
  })
  .strict();

/**
 * checkoutSessions.create: `line_items` (name, quantity, unit amount) or a single `amount`, not
 * both; `expires_at` (Unix seconds) from 30 minutes to 24 hours ahead, default 24 hours.
 */
export const createCheckoutSessionInput = z
  .object({
    line_items: z
      .array(lineItemInput)
      .min(1, { error: 'must have at least one item' })
      .max(100, { error: 'must have at most 100 items' })
      .optional(),
    amount: amountSchema.optional(),
    currency: apiCurrencySchema,
    success_url: redirectUrl,
    cancel_url: redirectUrl,
    customer_email: z.email({ error: 'must be an email address' }).max(320).optional(),
    capture_method: z.enum(captureMethods).default('automatic'),
    expires_at: z.number().int({ error: 'must be a Unix timestamp in seconds' }).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .refine((input) => (input.line_items === undefined) !== (input.amount === undefined), {
    error: 'give either line_items or amount (one of them, not both)',
    path: ['line_items'],
  });

export const retrieveCheckoutSessionInput = z.object({ id: checkoutSessionId }).strict();
export const expireCheckoutSessionInput = z.object({ id: checkoutSessionId }).strict();

export const listCheckoutSessionsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(checkoutSessionId),
      status: z.enum(checkoutSessionStatuses).optional(),
      payment_intent: idSchema('paymentIntent').optional(),
    })
    .strict(),
).default({ limit: 10 });

export const checkoutSessionListSchema = listOf(checkoutSessionSchema);

/**
 * What the hosted page reads about its session (checkout.sessions.retrieve, no key: the session
 * id in the page's address is the shopper's capability, as long as the session is open). The
 * page acts with `client_secret` alone (the checkout procedures take a session's secret without
 * a key).
 */
export const checkoutPageSchema = z.object({
  id: z.string(),
  status: z.enum(checkoutSessionStatuses),
  /** The merchant's public name (its settings), else its name. */
  merchant_name: z.string(),
  /** How shoppers reach the merchant's support, as its settings say (each may be null). */
  merchant_support: z.object({
    email: z.string().nullable(),
    phone: z.string().nullable(),
    url: z.string().nullable(),
  }),
  amount_total: z.number().int(),
  currency: z.string(),
  line_items: z.array(lineItemSchema),
  customer_email: z.string().nullable(),
  success_url: z.string(),
  cancel_url: z.string(),
  expires_at: z.number().int(),
  livemode: z.boolean(),
  payment_intent_status: z.enum(paymentIntentStatuses),
  /** A confirmation (from any tab) is with the card network right now. */
  payment_in_progress: z.boolean(),
  client_secret: z.string().nullable(),
});
export type CheckoutPage = z.infer<typeof checkoutPageSchema>;

export const retrieveCheckoutPageInput = z.object({ id: z.string().max(100) }).strict();

export type CreateCheckoutSessionInput = z.input<typeof createCheckoutSessionInput>;
export type ListCheckoutSessionsInput = NonNullable<z.input<typeof listCheckoutSessionsInput>>;
