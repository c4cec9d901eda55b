// @kassa/api: the tRPC router tree and its procedure chains, hosted by apps/api (Fastify) and
// called by the SDK, the checkout and the dashboard (whose tRPC client takes AppRouter's type).

export { recordAudit } from './audit.ts';
export { AUDIT_LOG_CSV_COLUMNS, auditLogCsv, listAuditLogInput } from './audit-log.ts';
export { sessionToken } from './auth/dashboard-session.ts';
export { hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from './auth/passwords.ts';
export {
  type MembershipRole,
  may,
  PERMISSIONS,
  type Permission,
  permissionsTable,
  ROLE_PERMISSIONS,
  ROLES,
} from './auth/permissions.ts';
export {
  LOCKOUT_MS,
  MAX_FAILED_SIGN_INS,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
} from './auth/sign-in.ts';
export { resealTwoFactorSecrets } from './auth/two-factor.ts';
export { homeSummary } from './dashboard/home.ts';
export {
  type DashboardPayment,
  type DashboardPaymentsInput,
  dashboardPaymentsInput,
  listDashboardPayments,
} from './dashboard/payments.ts';
export { PAYMENTS_CSV_COLUMNS, paymentsCsv } from './dashboard/payments-csv.ts';
export {
  type ApiServices,
  type Context,
  contextFactory,
  type RequestInfo,
  toTrpcError,
  validationIssue,
} from './init.ts';
export { LogMailer, type Mailer, type MailMessage, SmtpMailer } from './mail.ts';
export {
  checkoutProcedure,
  type DashboardPrincipal,
  dashboardPrincipalFor,
  dashboardProcedure,
  dashboardProcedureWith,
  merchantProcedure,
  sessionProcedure,
} from './procedures.ts';
export { type AppRouter, appRouter } from './router.ts';
