// @kassa/api: the tRPC router tree and its procedure chains, hosted by apps/api (Fastify) and
// called by the SDK, the checkout and the dashboard (whose tRPC client takes AppRouter's type).

export { sessionToken } from './auth/dashboard-session.ts';
export {
  type MembershipRole,
  may,
  PERMISSIONS,
  type Permission,
  permissionsTable,
  ROLE_PERMISSIONS,
  ROLES,
} from './auth/permissions.ts';
export { type Context, contextFactory, type RequestInfo, toTrpcError } from './init.ts';
export {
  checkoutProcedure,
  type DashboardPrincipal,
  dashboardProcedure,
  dashboardProcedureWith,
  merchantProcedure,
  sessionProcedure,
} from './procedures.ts';
export { type AppRouter, appRouter } from './router.ts';
