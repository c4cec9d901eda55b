import {
  createPayoutInput,
  listBalanceTransactionsInput,
  listPayoutsInput,
  listReconciliationExceptionsInput,
  resolveReconciliationExceptionInput,
  retrieveBalanceTransactionInput,
  retrievePayoutInput,
  retrieveReconciliationExceptionInput,
} from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { eventMetadata, runMutation } from '@kassa/payments';
import {
  createManualPayout,
  listBalanceTransactions,
  listPayouts,
  listReconciliationExceptions,
  resolveReconciliationException,
  retrieveBalanceTransaction,
  retrievePayout,
  retrieveReconciliationException,
} from '@kassa/settlement';
import type { z } from 'zod';
import { type ApiServices, router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

/** What the settlement procedures of both callers (a secret key, a dashboard user) need. */
type SettlementCaller = Parameters<typeof runMutation>[0] & { services: ApiServices };

/** payouts.create, for the API and the dashboard alike: one payout per Idempotency-Key. */
export function payOutByHand(ctx: SettlementCaller, input: z.output<typeof createPayoutInput>) {
  return runMutation(ctx, 'payouts.create', input, (tx) =>
    createManualPayout(tx, ctx.principal, input, {
      clock: ctx.services.clock,
      calendar: ctx.services.settlementCalendar,
      eventMetadata: eventMetadata(ctx),
    }),
  );
}

/** reconciliationExceptions.resolve, for the API and the dashboard alike: by the caller. */
export function resolveException(
  ctx: SettlementCaller,
  input: z.output<typeof resolveReconciliationExceptionInput>,
) {
  return withTransaction(ctx.services.db.pool, (tx) =>
    resolveReconciliationException(tx, ctx.principal, {
      id: input.id,
      note: input.note,
      actor: eventMetadata(ctx).actor as string,
      clock: ctx.services.clock,
    }),
  );
}

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
  create: merchantProcedure
    .input(createPayoutInput)
    .mutation(({ ctx, input }) => payOutByHand(ctx, input)),
  retrieve: merchantProcedure
    .input(retrievePayoutInput)
    .query(({ ctx, input }) => retrievePayout(ctx.db.pool, ctx.principal, input.id)),
  list: merchantProcedure
    .input(listPayoutsInput)
    .query(({ ctx, input }) => listPayouts(ctx.db.pool, ctx.principal, input)),
});

/**
 * What did not reconcile between Kassa's records of the merchant and the acquirer's or the bank's
 * files; resolved with a note (who and when are kept, and the audit log has the call).
 */
export const reconciliationExceptionsRouter = router({
  list: merchantProcedure
    .input(listReconciliationExceptionsInput)
    .query(({ ctx, input }) => listReconciliationExceptions(ctx.db.pool, ctx.principal, input)),
  retrieve: merchantProcedure
    .input(retrieveReconciliationExceptionInput)
    .query(({ ctx, input }) =>
      retrieveReconciliationException(ctx.db.pool, ctx.principal, input.id),
    ),
  resolve: merchantProcedure
    .input(resolveReconciliationExceptionInput)
    .mutation(({ ctx, input }) => resolveException(ctx, input)),
});
