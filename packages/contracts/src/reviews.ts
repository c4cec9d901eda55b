import { z } from 'zod';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';

export const reviewId = idSchema('review');

export const reviewOpenedReasons = ['rule', 'fallback', 'manual'] as const;
export const reviewClosedReasons = [
  'approved',
  'canceled',
  'refunded',
  'refunded_as_fraud',
] as const;

/**
 * A payment held for a person to look at (Radar's reviews). Opened by a `review` rule (the
 * payment is authorized and waits, uncaptured) or by the `allow_and_review` fallback when the
 * fraud service could not answer (the payment went ahead). Approving captures an uncaptured
 * payment; rejecting cancels it, or refunds it if it was captured.
 */
export const reviewSchema = z.object({
  id: z.string(),
  object: z.literal('review'),
  payment_intent: z.string(),
  open: z.boolean(),
  opened_reason: z.enum(reviewOpenedReasons),
  closed_reason: z.enum(reviewClosedReasons).nullable(),
  livemode: z.boolean(),
  created: z.number().int(),
  closed_at: z.number().int().nullable(),
});
export type Review = z.infer<typeof reviewSchema>;

export const retrieveReviewInput = z.object({ id: reviewId }).strict();
export const approveReviewInput = z.object({ id: reviewId }).strict();
export const rejectReviewInput = z.object({ id: reviewId }).strict();

export const listReviewsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(reviewId),
      open: z.boolean().optional(),
    })
    .strict(),
).default({ limit: 10 });
export type ListReviewsInput = NonNullable<z.input<typeof listReviewsInput>>;

export const reviewListSchema = listOf(reviewSchema);
