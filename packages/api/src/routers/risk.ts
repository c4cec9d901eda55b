import {
  addRiskListItemInput,
  createRiskListInput,
  createRiskRuleInput,
  deleteRiskRuleInput,
  listRiskListItemsInput,
  removeRiskListItemInput,
  testRiskRuleInput,
  updateRiskRuleInput,
  updateRiskSettingsInput,
} from '@kassa/contracts';
import {
  addRiskListItem,
  createRiskList,
  createRiskRule,
  deleteRiskRule,
  listRiskListItems,
  listRiskLists,
  listRiskRules,
  removeRiskListItem,
  riskSettings,
  testRiskRule,
  updateRiskRule,
  updateRiskSettings,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure, noInput } from '../procedures.ts';

/** The merchant's risk rules (docs/risk.md): list, test on history, create, update, delete. */
export const riskRulesRouter = router({
  list: merchantProcedure.input(noInput).query(({ ctx }) => listRiskRules(ctx.db.pool, ctx)),
  create: merchantProcedure
    .input(createRiskRuleInput)
    .mutation(({ ctx, input }) => createRiskRule(ctx, input)),
  update: merchantProcedure
    .input(updateRiskRuleInput)
    .mutation(({ ctx, input }) => updateRiskRule(ctx, input)),
  del: merchantProcedure
    .input(deleteRiskRuleInput)
    .mutation(({ ctx, input }) => deleteRiskRule(ctx, input.id)),
  /** What the rule would have done over the last 30 days. Changes nothing. */
  test: merchantProcedure
    .input(testRiskRuleInput)
    .query(({ ctx, input }) => testRiskRule(ctx.db.pool, ctx, input.source)),
});

/** Block and allow lists (and the merchant's own), which rules name as @alias. */
export const riskListsRouter = router({
  list: merchantProcedure.input(noInput).query(({ ctx }) => listRiskLists(ctx.db.pool, ctx)),
  create: merchantProcedure
    .input(createRiskListInput)
    .mutation(({ ctx, input }) => createRiskList(ctx, input)),
  items: merchantProcedure
    .input(listRiskListItemsInput)
    .query(({ ctx, input }) => listRiskListItems(ctx.db.pool, ctx, input)),
  addItem: merchantProcedure
    .input(addRiskListItemInput)
    .mutation(({ ctx, input }) => addRiskListItem(ctx, input)),
  removeItem: merchantProcedure
    .input(removeRiskListItemInput)
    .mutation(({ ctx, input }) => removeRiskListItem(ctx, input)),
});

/** What decides while the fraud service cannot answer. */
export const riskSettingsRouter = router({
  retrieve: merchantProcedure.input(noInput).query(({ ctx }) => riskSettings(ctx.db.pool, ctx)),
  update: merchantProcedure
    .input(updateRiskSettingsInput)
    .mutation(({ ctx, input }) => updateRiskSettings(ctx, input)),
});
