import { Readable } from 'node:stream';
import {
  type ApiServices,
  auditLogCsv,
  type Context,
  contextFactory,
  type DashboardPrincipal,
  dashboardPaymentsInput,
  dashboardPrincipalFor,
  listAuditLogInput,
  type Permission,
  paymentsCsv,
  recordAudit,
  validationIssue,
} from '@kassa/api';
import { KassaApiError, type PaymentsServices } from '@kassa/payments';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** One CSV export: who may, what filters it takes, and the rows it streams. */
interface CsvExport<Schema extends z.ZodType> {
  name: string;
  /** What the audit log calls it. */
  action: string;
  permission: Permission;
  input: Schema;
  rows: (
    services: PaymentsServices,
    principal: DashboardPrincipal,
    filters: z.output<Schema>,
  ) => AsyncIterable<string>;
}

const exportOf = <Schema extends z.ZodType>(e: CsvExport<Schema>) => e;

const EXPORTS = [
  exportOf({
    name: 'payments',
    action: 'dashboard.payments.export',
    permission: 'payments.read',
    input: dashboardPaymentsInput,
    rows: (services, principal, filters) =>
      paymentsCsv(services.db.pool, principal, filters, services.clientSecretKey),
  }),
  exportOf({
    name: 'audit-log',
    action: 'dashboard.auditLog.export',
    permission: 'audit.read',
    input: listAuditLogInput,
    rows: (services, principal, filters) => auditLogCsv(services.db.pool, principal, filters),
  }),
];

function inputOf<Schema extends z.ZodType>(schema: Schema, text: string | undefined) {
  let raw: unknown = {};
  try {
    raw = text === undefined ? {} : JSON.parse(text);
  } catch {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      message: 'input is not JSON.',
      param: 'input',
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Named as the tRPC procedures name a bad parameter (the error formatter's validationIssue).
    const issue = validationIssue(parsed.error);
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      message: issue?.message ?? 'input is not valid.',
      param: issue?.param ?? 'input',
    });
  }
  return parsed.data as z.output<Schema>;
}

/**
 * The dashboard's CSV exports, as plain HTTP (a download cannot be a tRPC call): the same session,
 * merchant and role checks as the dashboard chain (`dashboardPrincipalFor`), the same filters as
 * the list they export (`?input=` as JSON, like a tRPC query), streamed in batches, and each
 * export an entry in the audit log. A GET changes nothing, so the merchant may come as
 * `?merchant=` (a download link cannot send the Kassa-Merchant header); the file goes only to the
 * user's own browser.
 */
export function registerDashboardExports(app: FastifyInstance, services: ApiServices) {
  const createContext = contextFactory(services);
  for (const csv of EXPORTS) {
    app.get<{ Querystring: { input?: string; merchant?: string; mode?: string } }>(
      `/dashboard/exports/${csv.name}.csv`,
      async (request, reply) => {
        const { merchant, mode } = request.query;
        const ctx: Context = createContext({
          requestId: request.id,
          log: request.log,
          headers: {
            ...request.headers,
            ...(merchant && !request.headers['kassa-merchant'] && { 'kassa-merchant': merchant }),
            ...(mode && !request.headers['kassa-mode'] && { 'kassa-mode': mode }),
          },
          setHeader: (name, value) => void reply.header(name, value),
          ip: request.ip,
        });
        try {
          const principal = await dashboardPrincipalFor(ctx, csv.permission);
          const filters = inputOf(csv.input, request.query.input);
          await recordAudit(ctx, principal, {
            action: csv.action,
            outcome: 'success',
            errorCode: null,
            objectId: null,
          });
          const day = services.clock.now().toISOString().slice(0, 10);
          const kind = principal.livemode ? 'live' : 'test';
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${csv.name}-${kind}-${day}.csv"`)
            .header('cache-control', 'no-store')
            .header('x-content-type-options', 'nosniff')
            .send(Readable.from(csv.rows(services, principal, filters as never)));
        } catch (error) {
          if (!(error instanceof KassaApiError)) throw error;
          return reply.code(error.status).send({
            error: {
              type: error.type,
              code: error.code,
              message: error.message,
              ...(error.param && { param: error.param }),
              request_id: request.id,
            },
          });
        }
      },
    );
  }
}
