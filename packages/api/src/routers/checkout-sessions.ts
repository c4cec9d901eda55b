import {
  createCheckoutSessionInput,
  expireCheckoutSessionInput,
  listCheckoutSessionsInput,
  retrieveCheckoutSessionInput,
} from '@kassa/contracts';
import {
  checkoutSessionView,
  createCheckoutSession,
  expireCheckoutSession,
  listCheckoutSessions,
  loadCheckoutSession,
  runMutation,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

/** Checkout sessions, for the merchant's server (secret key). */
export const checkoutSessionsRouter = router({
  create: merchantProcedure
    .input(createCheckoutSessionInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'checkoutSessions.create', input, (tx) =>
        createCheckoutSession(tx, ctx, input),
      ),
    ),
  retrieve: merchantProcedure
    .input(retrieveCheckoutSessionInput)
    .query(async ({ ctx, input }) =>
      checkoutSessionView(
        await loadCheckoutSession(ctx.db.pool, ctx.principal, input.id),
        ctx.services,
      ),
    ),
  expire: merchantProcedure
    .input(expireCheckoutSessionInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'checkoutSessions.expire', input, (tx) =>
        expireCheckoutSession(tx, ctx, input.id),
      ),
    ),
  list: merchantProcedure
    .input(listCheckoutSessionsInput)
    .query(({ ctx, input }) => listCheckoutSessions(ctx.db.pool, ctx, input)),
});
