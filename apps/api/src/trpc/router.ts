import { router } from './init.ts';
import { systemRouter } from './routers/system.ts';

/**
 * The root router: one small router per resource, assembled here. Later issues add
 * paymentIntents, refunds, checkoutSessions, ...
 */
export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
