import {
  bankAccountIdInput,
  createBankAccountInput,
  createPayoutInput,
  listBalanceTransactionsInput,
  listPayoutsInput,
  listReconciliationExceptionsInput,
  resolveReconciliationExceptionInput,
  retrieveBalanceTransactionInput,
  retrievePayoutInput,
  retrieveReconciliationExceptionInput,
  settlementDaySchema,
  updatePayoutScheduleInput,
} from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { runMutation } from '@kassa/payments';
import {
  addBankAccount,
  deleteBankAccount,
  listBalanceTransactions,
  listBankAccounts,
  listPayouts,
  listReconciliationExceptions,
  payoutScheduleView,
  reconciliationReport,
  retrieveBalanceTransaction,
  retrievePayout,
  retrieveReconciliationException,
  setDefaultBankAccount,
  updatePayoutSchedule,
} from '@kassa/settlement';
import { z } from 'zod';
import { router } from '../init.ts';
import { dashboardProcedureWith, noInput } from '../procedures.ts';
import { payOutByHand, resolveException } from './settlement.ts';

/** The dashboard's Balances and Payouts pages, and the payout schedule in Settings. */
export const dashboardBalanceTransactionsRouter = router({
  retrieve: dashboardProcedureWith('balance.read')
    .input(retrieveBalanceTransactionInput)
    .query(({ ctx, input }) => retrieveBalanceTransaction(ctx.db.pool, ctx.principal, input.id)),
  list: dashboardProcedureWith('balance.read')
    .input(listBalanceTransactionsInput)
    .query(({ ctx, input }) => listBalanceTransactions(ctx.db.pool, ctx.principal, input)),
});

export const dashboardPayoutsRouter = router({
  create: dashboardProcedureWith('payouts.manage')
    .input(createPayoutInput)
    .mutation(({ ctx, input }) => payOutByHand(ctx, input)),
  retrieve: dashboardProcedureWith('balance.read')
    .input(retrievePayoutInput)
    .query(({ ctx, input }) => retrievePayout(ctx.db.pool, ctx.principal, input.id)),
  list: dashboardProcedureWith('balance.read')
    .input(listPayoutsInput)
    .query(({ ctx, input }) => listPayouts(ctx.db.pool, ctx.principal, input)),
});

export const dashboardPayoutScheduleRouter = router({
  retrieve: dashboardProcedureWith('balance.read')
    .input(noInput)
    .query(({ ctx }) => payoutScheduleView(ctx.db.pool, ctx.principal)),
  update: dashboardProcedureWith('payouts.manage')
    .input(updatePayoutScheduleInput)
    .mutation(({ ctx, input }) =>
      withTransaction(ctx.db.pool, (tx) => updatePayoutSchedule(tx, ctx.principal, input)),
    ),
});

/** Where payouts go: bank accounts per currency (numbers in the vault; only the last 4 here). */
export const dashboardBankAccountsRouter = router({
  list: dashboardProcedureWith('balance.read')
    .input(noInput)
    .query(({ ctx }) => listBankAccounts(ctx.db.pool, ctx.principal)),
  create: dashboardProcedureWith('payouts.manage')
    .input(createBankAccountInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'bankAccounts.create', input, (tx) =>
        addBankAccount(tx, ctx.principal, input, {
          vault: ctx.services.vault,
          clock: ctx.services.clock,
        }),
      ),
    ),
  setDefault: dashboardProcedureWith('payouts.manage')
    .input(bankAccountIdInput)
    .mutation(({ ctx, input }) =>
      withTransaction(ctx.db.pool, (tx) => setDefaultBankAccount(tx, ctx.principal, input.id)),
    ),
  delete: dashboardProcedureWith('payouts.manage')
    .input(bankAccountIdInput)
    .mutation(({ ctx, input }) =>
      withTransaction(ctx.db.pool, (tx) => deleteBankAccount(tx, ctx.principal, input.id)),
    ),
});

/** The Reconciliation page: a day's report, and the merchant's exceptions to read and resolve. */
export const dashboardReconciliationRouter = router({
  report: dashboardProcedureWith('balance.read')
    .input(z.object({ day: settlementDaySchema }).strict())
    .query(({ ctx, input }) =>
      reconciliationReport(
        ctx.db.pool,
        input.day,
        ctx.principal.livemode,
        ctx.principal.merchantId,
      ),
    ),
  exceptions: router({
    list: dashboardProcedureWith('balance.read')
      .input(listReconciliationExceptionsInput)
      .query(({ ctx, input }) => listReconciliationExceptions(ctx.db.pool, ctx.principal, input)),
    retrieve: dashboardProcedureWith('balance.read')
      .input(retrieveReconciliationExceptionInput)
      .query(({ ctx, input }) =>
        retrieveReconciliationException(ctx.db.pool, ctx.principal, input.id),
      ),
    resolve: dashboardProcedureWith('payouts.manage')
      .input(resolveReconciliationExceptionInput)
      .mutation(({ ctx, input }) => resolveException(ctx, input)),
  }),
});
