import { z } from 'zod';
import { customerId } from './customers.ts';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';
import { metadataSchema } from './metadata.ts';
import { amountSchema, apiCurrencySchema } from './money.ts';
import { paymentMethodDataInput } from './payment-methods.ts';

/** Stripe's PaymentIntent states. */
export const paymentIntentStatuses = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
] as const;
export type PaymentIntentStatus = (typeof paymentIntentStatuses)[number];

export const captureMethods = ['automatic', 'manual'] as const;
export const cancellationReasons = [
  'duplicate',
  'fraudulent',
  'requested_by_customer',
  'abandoned',
  'automatic',
] as const;
export type CancellationReason = (typeof cancellationReasons)[number];

export const paymentIntentId = idSchema('paymentIntent');
export const paymentMethodId = idSchema('paymentMethod');

/** The last failed attempt: a card error as the API reports it. */
export const paymentErrorSchema = z.object({
  type: z.literal('card_error'),
  code: z.string(),
  decline_code: z.string().optional(),
  message: z.string(),
  payment_method: z.string().nullable(),
});

export const nextActionSchema = z.object({
  type: z.literal('redirect_to_url'),
  redirect_to_url: z.object({ url: z.string(), return_url: z.string().nullable() }),
});

export const riskOutcomes = ['allow', 'review', 'block', 'request_3ds'] as const;
export const riskLevels = ['normal', 'elevated', 'highest'] as const;
export const riskFallbackReasons = [
  'timeout',
  'unavailable',
  'breaker_open',
  'bulkhead_full',
  'error',
] as const;

/**
 * The risk decision on the payment's last confirmation (docs/risk.md): the fraud service's
 * score (0 safest … 100 riskiest) and the reasons behind it, the outcome and the rule that chose
 * it; or, when the service could not answer in time, the merchant's fallback (`decided_by:
 * "fallback"`, no score) and why.
 */
export const paymentIntentRiskSchema = z.object({
  outcome: z.enum(riskOutcomes),
  score: z.number().int().min(0).max(100).nullable(),
  level: z.enum(riskLevels).nullable(),
  decided_by: z.enum(['rules', 'fallback']),
  fallback_reason: z.enum(riskFallbackReasons).nullable(),
  rule: z
    .object({ id: z.string(), action: z.enum(riskOutcomes), predicate: z.string() })
    .nullable(),
  reasons: z.array(
    z.object({
      feature: z.string(),
      value: z.string(),
      points: z.number().int(),
      description: z.string(),
    }),
  ),
  /** The review this decision opened, if any. */
  review: z.string().nullable(),
});
export type PaymentIntentRisk = z.infer<typeof paymentIntentRiskSchema>;

export const paymentIntentSchema = z.object({
  id: z.string(),
  object: z.literal('payment_intent'),
  amount: z.number().int(),
  amount_capturable: z.number().int(),
  amount_received: z.number().int(),
  currency: z.string(),
  status: z.enum(paymentIntentStatuses),
  capture_method: z.enum(captureMethods),
  payment_method: z.string().nullable(),
  /** The customer (`cus_…`) the payment is for, if one was named. */
  customer: z.string().nullable(),
  last_payment_error: paymentErrorSchema.nullable(),
  next_action: nextActionSchema.nullable(),
  client_secret: z.string(),
  description: z.string().nullable(),
  livemode: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  canceled_at: z.number().int().nullable(),
  cancellation_reason: z.enum(cancellationReasons).nullable(),
  /** Null when the payment was not scored (no confirmation yet, or no fraud service). */
  risk: paymentIntentRiskSchema.nullable(),
  created: z.number().int(),
});
export type PaymentIntent = z.infer<typeof paymentIntentSchema>;

/** The payment as the shopper's browser sees it (publishable key and client secret). */
export const checkoutPaymentIntentSchema = paymentIntentSchema.pick({
  id: true,
  object: true,
  amount: true,
  currency: true,
  status: true,
  capture_method: true,
  payment_method: true,
  last_payment_error: true,
  next_action: true,
  client_secret: true,
  description: true,
  livemode: true,
  canceled_at: true,
  cancellation_reason: true,
  created: true,
});
export type CheckoutPaymentIntent = z.infer<typeof checkoutPaymentIntentSchema>;

export const retrieveCheckoutPaymentIntentInput = z
  .object({ client_secret: z.string().min(1).max(200) })
  .strict();

const description = z.string().max(1000, { error: 'must be at most 1000 characters' });

export const createPaymentIntentInput = z
  .object({
    amount: amountSchema,
    currency: apiCurrencySchema,
    capture_method: z.enum(captureMethods).default('automatic'),
    payment_method: paymentMethodId.optional(),
    customer: customerId.optional(),
    description: description.optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();
export type CreatePaymentIntentInput = z.input<typeof createPaymentIntentInput>;

export const retrievePaymentIntentInput = z.object({ id: paymentIntentId }).strict();

/**
 * Only before confirmation: amount, payment method, customer, description, metadata (merged; ""
 * deletes a key).
 */
export const updatePaymentIntentInput = z
  .object({
    id: paymentIntentId,
    amount: amountSchema.optional(),
    payment_method: paymentMethodId.optional(),
    customer: customerId.optional(),
    description: description.optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

const returnUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000, { error: 'must be at most 2000 characters' });

/**
 * paymentIntents.confirm (secret key): authorize the payment method with the acquirer. Card
 * payments may need 3-D Secure: the shopper is then sent to `next_action.redirect_to_url.url`
 * and comes back to `return_url`.
 */
export const confirmPaymentIntentInput = z
  .object({
    id: paymentIntentId,
    payment_method: paymentMethodId.optional(),
    return_url: returnUrl.optional(),
  })
  .strict();

/**
 * checkout.paymentIntents.confirm (publishable key + client secret): with a payment method this
 * payment's checkout tokenized, or with the card itself (`payment_method_data`, CVC included:
 * the CVC goes to the acquirer in this request and is never stored).
 */
export const confirmCheckoutPaymentIntentInput = z
  .object({
    client_secret: z.string().min(1).max(200),
    payment_method: paymentMethodId.optional(),
    payment_method_data: paymentMethodDataInput.optional(),
    return_url: returnUrl.optional(),
  })
  .strict()
  .refine((i) => !(i.payment_method && i.payment_method_data), {
    error: 'use payment_method or payment_method_data, not both',
    path: ['payment_method_data'],
  });

/** paymentIntents.capture: all of what was authorized, or `amount_to_capture` of it (the rest is released). */
export const capturePaymentIntentInput = z
  .object({ id: paymentIntentId, amount_to_capture: amountSchema.optional() })
  .strict();

export const cancelPaymentIntentInput = z
  .object({ id: paymentIntentId, cancellation_reason: z.enum(cancellationReasons).optional() })
  .strict();

export const listPaymentIntentsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(paymentIntentId),
      status: z.enum(paymentIntentStatuses).optional(),
      customer: customerId.optional(),
    })
    .strict(),
).default({ limit: 10 });

export const paymentIntentListSchema = listOf(paymentIntentSchema);

export type UpdatePaymentIntentInput = z.input<typeof updatePaymentIntentInput>;
export type ConfirmPaymentIntentInput = z.input<typeof confirmPaymentIntentInput>;
export type CapturePaymentIntentInput = z.input<typeof capturePaymentIntentInput>;
export type CancelPaymentIntentInput = z.input<typeof cancelPaymentIntentInput>;
export type ListPaymentIntentsInput = NonNullable<z.input<typeof listPaymentIntentsInput>>;
