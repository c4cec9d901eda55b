import { publicProcedure, router } from '../init.ts';

export const systemRouter = router({
  /** Answers without touching the database: proves the tRPC stack is wired end to end. */
  ping: publicProcedure.query(({ ctx }) => ({ ok: true as const, requestId: ctx.requestId })),
});
