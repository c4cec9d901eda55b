import { createRefundInput, listRefundsInput, retrieveRefundInput } from '@kassa/contracts';
import {
  createRefundStep,
  listRefunds,
  loadRefund,
  refundView,
  runAcquirerMutation,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

export const refundsRouter = router({
  create: merchantProcedure
    .input(createRefundInput)
    .mutation(({ ctx, input }) =>
      runAcquirerMutation(ctx, 'refunds.create', input, createRefundStep(ctx, input)),
    ),
  retrieve: merchantProcedure
    .input(retrieveRefundInput)
    .query(async ({ ctx, input }) =>
      refundView(await loadRefund(ctx.db.pool, ctx.principal, input.id)),
    ),
  list: merchantProcedure
    .input(listRefundsInput)
    .query(({ ctx, input }) => listRefunds(ctx.db.pool, ctx, input)),
});
