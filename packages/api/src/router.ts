import { router } from './init.ts';
import { authRouter } from './routers/auth.ts';
import { checkoutRouter } from './routers/checkout.ts';
import { checkoutSessionsRouter } from './routers/checkout-sessions.ts';
import { customersRouter } from './routers/customers.ts';
import { dashboardRouter } from './routers/dashboard.ts';
import { disputesRouter, filesRouter } from './routers/disputes.ts';
import { balanceRouter, eventsRouter } from './routers/events.ts';
import { paymentIntentsRouter } from './routers/payment-intents.ts';
import { paymentMethodsRouter } from './routers/payment-methods.ts';
import { refundsRouter } from './routers/refunds.ts';
import { reviewsRouter } from './routers/reviews.ts';
import { riskListsRouter, riskRulesRouter, riskSettingsRouter } from './routers/risk.ts';
import {
  balanceTransactionsRouter,
  payoutsRouter,
  reconciliationExceptionsRouter,
} from './routers/settlement.ts';
import { systemRouter } from './routers/system.ts';
import { webhookEndpointsRouter } from './routers/webhook-endpoints.ts';

/**
 * The root router: one small router per resource, assembled here. Merchant procedures take a
 * secret key; everything under `checkout` takes a publishable key and a client secret; everything
 * under `dashboard` takes a dashboard user's session cookie.
 */
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  paymentIntents: paymentIntentsRouter,
  paymentMethods: paymentMethodsRouter,
  refunds: refundsRouter,
  reviews: reviewsRouter,
  customers: customersRouter,
  disputes: disputesRouter,
  files: filesRouter,
  riskRules: riskRulesRouter,
  riskLists: riskListsRouter,
  riskSettings: riskSettingsRouter,
  events: eventsRouter,
  balance: balanceRouter,
  balanceTransactions: balanceTransactionsRouter,
  payouts: payoutsRouter,
  reconciliationExceptions: reconciliationExceptionsRouter,
  webhookEndpoints: webhookEndpointsRouter,
  checkoutSessions: checkoutSessionsRouter,
  checkout: checkoutRouter,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;
