import { router } from './init.ts';
import { paymentIntentsRouter } from './routers/payment-intents.ts';
import { systemRouter } from './routers/system.ts';

/**
 * The root router: one small router per resource, assembled here. Later issues add
 * paymentIntents, refunds, checkoutSessions, ...
 */
export const appRouter = router({
  system: systemRouter,
  paymentIntents: paymentIntentsRouter,
});

export type AppRouter = typeof appRouter;
