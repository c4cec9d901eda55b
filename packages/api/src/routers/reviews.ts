import {
  approveReviewInput,
  listReviewsInput,
  rejectReviewInput,
  retrieveReviewInput,
} from '@kassa/contracts';
import { closeReviewStep, listReviews, retrieveReview, runAcquirerMutation } from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

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
    .mutation(({ ctx, input }) =>
      runAcquirerMutation(
        ctx,
        'reviews.approve',
        input,
        closeReviewStep(ctx, { id: input.id, action: 'approve' }),
      ),
    ),
  /** Cancels the payment (or refunds it, if captured) as fraudulent and closes the review. */
  reject: merchantProcedure
    .input(rejectReviewInput)
    .mutation(({ ctx, input }) =>
      runAcquirerMutation(
        ctx,
        'reviews.reject',
        input,
        closeReviewStep(ctx, { id: input.id, action: 'reject' }),
      ),
    ),
});
