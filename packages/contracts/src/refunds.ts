import { z } from 'zod';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';
import { metadataSchema } from './metadata.ts';
import { amountSchema } from './money.ts';

export const refundStatuses = ['pending', 'succeeded', 'failed', 'canceled'] as const;
export type RefundStatus = (typeof refundStatuses)[number];
export const refundReasons = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

export const refundId = idSchema('refund');

export const refundSchema = z.object({
  id: z.string(),
  object: z.literal('refund'),
  amount: z.number().int(),
  currency: z.string(),
  payment_intent: z.string(),
  status: z.enum(refundStatuses),
  reason: z.enum(refundReasons).nullable(),
  failure_reason: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type Refund = z.infer<typeof refundSchema>;

/**
 * refunds.create: give back all that is left of a captured payment, or `amount` of it. Several
 * partial refunds may follow each other; together they never exceed what was captured.
 */
export const createRefundInput = z
  .object({
    payment_intent: idSchema('paymentIntent'),
    amount: amountSchema.optional(),
    reason: z.enum(refundReasons).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

export const retrieveRefundInput = z.object({ id: refundId }).strict();

export const listRefundsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(refundId),
      payment_intent: idSchema('paymentIntent').optional(),
    })
    .strict(),
).default({ limit: 10 });

export const refundListSchema = listOf(refundSchema);

export type CreateRefundInput = z.input<typeof createRefundInput>;
export type ListRefundsInput = NonNullable<z.input<typeof listRefundsInput>>;
