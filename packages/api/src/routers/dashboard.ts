import {
  cancelPaymentIntentInput,
  capturePaymentIntentInput,
  createRefundInput,
  idSchema,
  listEventsInput,
  listRefundsInput,
  retrieveEventInput,
  retrievePaymentIntentInput,
} from '@kassa/contracts';
import {
  cancelStep,
  captureStep,
  createRefundStep,
  eventView,
  listEvents,
  listRefunds,
  loadEvent,
  loadPaymentIntent,
  paymentIntentView,
  retrieveBalance,
  runAcquirerMutation,
} from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import { listAuditLog, listAuditLogInput } from '../audit-log.ts';
import { listAuthEvents } from '../auth/auth-events.ts';
import { endSessions, listSessions, revokeSession } from '../auth/sign-in.ts';
import {
  beginTwoFactor,
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  type TwoFactorKeys,
  twoFactorStatus,
} from '../auth/two-factor.ts';
import { homeSummary, homeSummaryInput } from '../dashboard/home.ts';
import { paymentDetail } from '../dashboard/payment-detail.ts';
import { dashboardPaymentsInput, listDashboardPayments } from '../dashboard/payments.ts';
import { retrieveSettings, updateSettings, updateSettingsInput } from '../dashboard/settings.ts';
import { router } from '../init.ts';
import { dashboardProcedureWith, noInput, sessionProcedure } from '../procedures.ts';
import { dashboardApiKeysRouter } from './dashboard-api-keys.ts';
import {
  dashboardDisputesRouter,
  dashboardReviewsRouter,
  dashboardRiskRouter,
} from './dashboard-risk.ts';
import {
  dashboardBalanceTransactionsRouter,
  dashboardBankAccountsRouter,
  dashboardPayoutScheduleRouter,
  dashboardPayoutsRouter,
  dashboardReconciliationRouter,
} from './dashboard-settlement.ts';
import { dashboardTeamRouter } from './dashboard-team.ts';
import {
  dashboardWebhookDeliveriesRouter,
  dashboardWebhookEndpointsRouter,
} from './dashboard-webhooks.ts';

const twoFactorCode = z.object({ code: z.string().trim().min(6).max(32) }).strict();

/** A change to the user's own second factor that takes a current code (or a recovery code). */
const withCode = <T>(
  change: (
    pool: pg.Pool,
    userId: string,
    code: string,
    now: Date,
    keys: TwoFactorKeys,
  ) => Promise<T>,
) =>
  sessionProcedure
    .input(twoFactorCode)
    .mutation(({ ctx, input }) =>
      change(ctx.db.pool, ctx.user.id, input.code, ctx.services.clock.now(), ctx.services),
    );

/**
 * What the dashboard calls with its user's session cookie, for the merchant in `Kassa-Merchant`.
 * Each procedure needs a permission of the roles matrix (auth/permissions.ts): an analyst only
 * reads, support refunds but does not see balances. The same objects, errors and idempotency as
 * the merchant API.
 */
export const dashboardRouter = router({
  /** Who is signed in and which merchants they may act for. */
  session: sessionProcedure.input(noInput).query(({ ctx }) => ({
    user: {
      id: ctx.user.id,
      email: ctx.user.email,
      name: ctx.user.name,
      two_factor: ctx.user.twoFactor,
    },
    memberships: ctx.user.memberships.map((m) => ({
      merchant: m.merchantId,
      merchant_name: m.merchantName,
      role: m.role,
      require_two_factor: m.requireTwoFactor,
    })),
  })),
  /** Ends this session, or (`everywhere`) every session of the user, on every device. */
  signOut: sessionProcedure
    .input(
      z
        .object({ everywhere: z.boolean().default(false) })
        .strict()
        .optional(),
    )
    .mutation(async ({ ctx, input }) => ({
      revoked: await endSessions(
        ctx.db.pool,
        ctx.user.id,
        ctx.services.clock.now(),
        input?.everywhere ? undefined : ctx.sessionId,
      ),
    })),
  /** The signed-in user's own sessions, on every device: listed, and ended one by one. */
  sessions: router({
    list: sessionProcedure
      .input(noInput)
      .query(({ ctx }) =>
        listSessions(ctx.db.pool, ctx.user.id, ctx.sessionId, ctx.services.clock.now()),
      ),
    revoke: sessionProcedure
      .input(z.object({ id: idSchema('dashboardSession') }).strict())
      .mutation(({ ctx, input }) =>
        revokeSession(ctx.db.pool, ctx.user.id, input.id, ctx.services.clock.now()),
      ),
  }),
  /** The signed-in user's recent sign-in activity: their account's, and refused tries of their email. */
  authEvents: router({
    list: sessionProcedure.input(noInput).query(({ ctx }) => listAuthEvents(ctx.db.pool, ctx.user)),
  }),
  /** The signed-in user's second factor (TOTP and recovery codes): their own, any merchant. */
  twoFactor: router({
    status: sessionProcedure
      .input(noInput)
      .query(({ ctx }) => twoFactorStatus(ctx.db.pool, ctx.user.id)),
    begin: sessionProcedure
      .input(noInput)
      .mutation(({ ctx }) => beginTwoFactor(ctx.db.pool, ctx.user.id, ctx.services)),
    enable: withCode(enableTwoFactor),
    /** New recovery codes in place of the old ones (after a root rotation, say). */
    regenerateRecoveryCodes: withCode(regenerateRecoveryCodes),
    disable: withCode(disableTwoFactor),
  }),
  paymentIntents: router({
    /** The merchant API's list, with the dashboard's filters and each payment's card. */
    list: dashboardProcedureWith('payments.read')
      .input(dashboardPaymentsInput)
      .query(({ ctx, input }) =>
        listDashboardPayments(ctx.db.pool, ctx.principal, input, ctx.services.clientSecretKey),
      ),
    retrieve: dashboardProcedureWith('payments.read')
      .input(retrievePaymentIntentInput)
      .query(async ({ ctx, input }) =>
        paymentIntentView(
          await loadPaymentIntent(ctx.db.pool, ctx.principal, input.id),
          ctx.services.clientSecretKey,
        ),
      ),
    /** The payment page: card, fee and net, 3-D Secure, timeline, ledger entries, deliveries. */
    detail: dashboardProcedureWith('payments.read')
      .input(retrievePaymentIntentInput)
      .query(({ ctx, input }) =>
        paymentDetail(ctx.db.pool, ctx.principal, input.id, ctx.services.clientSecretKey),
      ),
    capture: dashboardProcedureWith('payments.manage')
      .input(capturePaymentIntentInput)
      .mutation(({ ctx, input }) =>
        runAcquirerMutation(ctx, 'paymentIntents.capture', input, captureStep(ctx, input)),
      ),
    cancel: dashboardProcedureWith('payments.manage')
      .input(cancelPaymentIntentInput)
      .mutation(({ ctx, input }) =>
        runAcquirerMutation(ctx, 'paymentIntents.cancel', input, cancelStep(ctx, input)),
      ),
  }),
  refunds: router({
    list: dashboardProcedureWith('payments.read')
      .input(listRefundsInput)
      .query(({ ctx, input }) => listRefunds(ctx.db.pool, ctx, input)),
    create: dashboardProcedureWith('payments.refund')
      .input(createRefundInput)
      .mutation(({ ctx, input }) =>
        runAcquirerMutation(ctx, 'refunds.create', input, createRefundStep(ctx, input)),
      ),
  }),
  /** The home page: volume, net and count, a daily series, authorization rate, declines, attention. */
  home: router({
    summary: dashboardProcedureWith('balance.read')
      .input(homeSummaryInput)
      .query(({ ctx, input }) =>
        homeSummary(ctx.db.pool, ctx.principal, input, ctx.services.clock.now()),
      ),
  }),
  balance: router({
    retrieve: dashboardProcedureWith('balance.read')
      .input(noInput)
      .query(({ ctx }) => retrieveBalance(ctx.db.pool, ctx.principal)),
  }),
  balanceTransactions: dashboardBalanceTransactionsRouter,
  payouts: dashboardPayoutsRouter,
  payoutSchedule: dashboardPayoutScheduleRouter,
  bankAccounts: dashboardBankAccountsRouter,
  reconciliation: dashboardReconciliationRouter,
  reviews: dashboardReviewsRouter,
  disputes: dashboardDisputesRouter,
  risk: dashboardRiskRouter,
  /** Business profile, the checkout's public name and support details, the fee plan (read only). */
  settings: router({
    retrieve: dashboardProcedureWith('settings.read')
      .input(noInput)
      .query(({ ctx }) => retrieveSettings(ctx.db.pool, ctx.principal)),
    update: dashboardProcedureWith('settings.manage')
      .input(updateSettingsInput)
      .mutation(({ ctx, input }) =>
        updateSettings(ctx.db.pool, ctx.principal, input, ctx.services.clock.now()),
      ),
  }),
  apiKeys: dashboardApiKeysRouter,
  team: dashboardTeamRouter,
  webhookEndpoints: dashboardWebhookEndpointsRouter,
  webhookDeliveries: dashboardWebhookDeliveriesRouter,
  auditLog: router({
    list: dashboardProcedureWith('audit.read')
      .input(listAuditLogInput)
      .query(({ ctx, input }) => listAuditLog(ctx.db.pool, ctx.principal, input)),
  }),
  events: router({
    /** One event, whole: the event explorer shows its JSON. */
    retrieve: dashboardProcedureWith('events.read')
      .input(retrieveEventInput)
      .query(async ({ ctx, input }) =>
        eventView(await loadEvent(ctx.db.pool, ctx.principal, input.id)),
      ),
    list: dashboardProcedureWith('events.read')
      .input(listEventsInput)
      .query(({ ctx, input }) => listEvents(ctx.db.pool, ctx.principal, input)),
  }),
});
