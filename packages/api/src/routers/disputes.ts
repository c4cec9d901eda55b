import {
  closeDisputeInput,
  createFileInput,
  listDisputesInput,
  retrieveDisputeInput,
  retrieveFileInput,
  updateDisputeInput,
} from '@kassa/contracts';
import {
  closeDispute,
  createFile,
  listDisputes,
  retrieveDispute,
  retrieveFile,
  updateDispute,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

/** Disputes (docs/disputes.md): list, retrieve, answer with evidence, or accept. */
export const disputesRouter = router({
  retrieve: merchantProcedure
    .input(retrieveDisputeInput)
    .query(({ ctx, input }) => retrieveDispute(ctx.db.pool, ctx, input.id)),
  list: merchantProcedure
    .input(listDisputesInput)
    .query(({ ctx, input }) => listDisputes(ctx.db.pool, ctx, input)),
  update: merchantProcedure
    .input(updateDisputeInput)
    .mutation(({ ctx, input }) => updateDispute(ctx, input)),
  close: merchantProcedure
    .input(closeDisputeInput)
    .mutation(({ ctx, input }) => closeDispute(ctx, input)),
});

/** Files, as dispute evidence. */
export const filesRouter = router({
  create: merchantProcedure
    .input(createFileInput)
    .mutation(({ ctx, input }) => createFile(ctx, input)),
  retrieve: merchantProcedure
    .input(retrieveFileInput)
    .query(({ ctx, input }) => retrieveFile(ctx.db.pool, ctx, input.id)),
});
