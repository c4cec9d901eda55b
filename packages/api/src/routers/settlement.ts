import {
  createPayoutInput,
  listBalanceTransactionsInput,
  listPayoutsInput,
  retrieveBalanceTransactionInput,
  retrievePayoutInput,
} from '@kassa/contracts';
import { eventMetadata, runMutation } from '@kassa/payments';
import {
  createManualPayout,
  listBalanceTransactions,
  listPayouts,
  retrieveBalanceTransaction,
  retrievePayout,
} from '@kassa/settlement';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

/** The merchant's money as it moves: balance transactions (read only) and payouts. */
export const balanceTransactionsRouter = router({
  retrieve: merchantProcedure
    .input(retrieveBalanceTransactionInput)
    .query(({ ctx, input }) => retrieveBalanceTransaction(ctx.db.pool, ctx.principal, input.id)),
  list: merchantProcedure
    .input(listBalanceTransactionsInput)
    .query(({ ctx, input }) => listBalanceTransactions(ctx.db.pool, ctx.principal, input)),
});

export const payoutsRouter = router({
  /** Manual schedule only: pays out the whole available balance in a currency (confirmed). */
  create: merchantProcedure.input(createPayoutInput).mutation(({ ctx, input }) =>
    runMutation(ctx, 'payouts.create', input, (tx) =>
      createManualPayout(tx, ctx.principal, input, {
        clock: ctx.services.clock,
        calendar: ctx.services.settlementCalendar,
        eventMetadata: eventMetadata(ctx),
      }),
    ),
  ),
  retrieve: merchantProcedure
    .input(retrievePayoutInput)
    .query(({ ctx, input }) => retrievePayout(ctx.db.pool, ctx.principal, input.id)),
  list: merchantProcedure
    .input(listPayoutsInput)
    .query(({ ctx, input }) => listPayouts(ctx.db.pool, ctx.principal, input)),
});
