import {
  approveReviewInput,
  listReviewsInput,
  rejectReviewInput,
  retrieveReviewInput,
} from '@kassa/contracts';
import {
  closeReviewStep,
  type DomainContext,
  listReviews,
  retrieveReview,
  runAcquirerMutation,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

/**
 * A review's decision, as the merchant API and the dashboard make it: approve captures the
 * payment (if uncaptured), reject cancels it (or refunds it) as fraudulent; the review closes in
 * the same transaction, under the request's Idempotency-Key.
 */
export const decideReview = (ctx: DomainContext, id: string, action: 'approve' | 'reject') =>
  runAcquirerMutation(ctx, `reviews.${action}`, { id }, closeReviewStep(ctx, { id, action }));

/** Radar's reviews (docs/risk.md): payments held for a person, approved or rejected. */
export const reviewsRouter = router({
  retrieve: merchantProcedure
    .input(retrieveReviewInput)
    .query(({ ctx, input }) => retrieveReview(ctx.db.pool, ctx, input.id)),
  list: merchantProcedure
    .input(listReviewsInput)
    .query(({ ctx, input }) => listReviews(ctx.db.pool, ctx, input)),
  /** Captures the payment (if uncaptured) and closes the review. */
  approve: merchantProcedure
    .input(approveReviewInput)
    .mutation(({ ctx, input }) => decideReview(ctx, input.id, 'approve')),
  /** Cancels the payment (or refunds it, if captured) as fraudulent and closes the review. */
  reject: merchantProcedure
    .input(rejectReviewInput)
    .mutation(({ ctx, input }) => decideReview(ctx, input.id, 'reject')),
});
