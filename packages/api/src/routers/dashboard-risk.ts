import {
  addRiskListItemInput,
  approveReviewInput,
  closeDisputeInput,
  createFileInput,
  createRiskListInput,
  createRiskRuleInput,
  listDisputesInput,
  listRiskListItemsInput,
  rejectReviewInput,
  removeRiskListItemInput,
  retrieveDisputeInput,
  testRiskRuleInput,
  updateDisputeInput,
  updateRiskRuleInput,
  updateRiskSettingsInput,
} from '@kassa/contracts';
import {
  addRiskListItem,
  closeDispute,
  createFile,
  createRiskList,
  createRiskRule,
  listDisputes,
  listRiskListItems,
  listRiskLists,
  listRiskRules,
  removeRiskListItem,
  retrieveDispute,
  reviewQueue,
  riskSettings,
  testRiskRule,
  updateDispute,
  updateRiskRule,
  updateRiskSettings,
} from '@kassa/payments';
import { z } from 'zod';
import { router } from '../init.ts';
import { dashboardProcedureWith, noInput } from '../procedures.ts';
import { decideReview } from './reviews.ts';

/** The review queue: approve (capture) or reject (cancel or refund), with the score's reasons. */
export const dashboardReviewsRouter = router({
  queue: dashboardProcedureWith('payments.read')
    .input(
      z
        .object({
          open: z.boolean().default(true),
          limit: z.number().int().min(1).max(100).default(50),
        })
        .strict()
        .default({ open: true, limit: 50 }),
    )
    .query(({ ctx, input }) => reviewQueue(ctx.db.pool, ctx, input)),
  approve: dashboardProcedureWith('payments.manage')
    .input(approveReviewInput)
    .mutation(({ ctx, input }) => decideReview(ctx, input.id, 'approve')),
  reject: dashboardProcedureWith('payments.manage')
    .input(rejectReviewInput)
    .mutation(({ ctx, input }) => decideReview(ctx, input.id, 'reject')),
});

/** Rules (edit, test on history, enable), lists and the fallback, on the Risk page. */
export const dashboardRiskRouter = router({
  rules: router({
    list: dashboardProcedureWith('payments.read')
      .input(noInput)
      .query(({ ctx }) => listRiskRules(ctx.db.pool, ctx)),
    test: dashboardProcedureWith('payments.read')
      .input(testRiskRuleInput)
      .query(({ ctx, input }) => testRiskRule(ctx.db.pool, ctx, input.source)),
    create: dashboardProcedureWith('risk.manage')
      .input(createRiskRuleInput)
      .mutation(({ ctx, input }) => createRiskRule(ctx, input)),
    update: dashboardProcedureWith('risk.manage')
      .input(updateRiskRuleInput)
      .mutation(({ ctx, input }) => updateRiskRule(ctx, input)),
  }),
  lists: router({
    list: dashboardProcedureWith('payments.read')
      .input(noInput)
      .query(({ ctx }) => listRiskLists(ctx.db.pool, ctx)),
    items: dashboardProcedureWith('payments.read')
      .input(listRiskListItemsInput)
      .query(({ ctx, input }) => listRiskListItems(ctx.db.pool, ctx, input)),
    create: dashboardProcedureWith('risk.manage')
      .input(createRiskListInput)
      .mutation(({ ctx, input }) => createRiskList(ctx, input)),
    addItem: dashboardProcedureWith('risk.manage')
      .input(addRiskListItemInput)
      .mutation(({ ctx, input }) => addRiskListItem(ctx, input)),
    removeItem: dashboardProcedureWith('risk.manage')
      .input(removeRiskListItemInput)
      .mutation(({ ctx, input }) => removeRiskListItem(ctx, input)),
  }),
  settings: router({
    retrieve: dashboardProcedureWith('payments.read')
      .input(noInput)
      .query(({ ctx }) => riskSettings(ctx.db.pool, ctx)),
    update: dashboardProcedureWith('risk.manage')
      .input(updateRiskSettingsInput)
      .mutation(({ ctx, input }) => updateRiskSettings(ctx, input)),
  }),
});

/** The disputes page: due dates, evidence (saved or submitted), accept. */
export const dashboardDisputesRouter = router({
  list: dashboardProcedureWith('payments.read')
    .input(listDisputesInput)
    .query(({ ctx, input }) => listDisputes(ctx.db.pool, ctx, input)),
  retrieve: dashboardProcedureWith('payments.read')
    .input(retrieveDisputeInput)
    .query(({ ctx, input }) => retrieveDispute(ctx.db.pool, ctx, input.id)),
  update: dashboardProcedureWith('payments.manage')
    .input(updateDisputeInput)
    .mutation(({ ctx, input }) => updateDispute(ctx, input)),
  close: dashboardProcedureWith('payments.manage')
    .input(closeDisputeInput)
    .mutation(({ ctx, input }) => closeDispute(ctx, input)),
  /** A file of evidence, uploaded from the browser (base64). */
  upload: dashboardProcedureWith('payments.manage')
    .input(createFileInput)
    .mutation(({ ctx, input }) => createFile(ctx, input)),
});
