import { Readable } from 'node:stream';
import {
  contextFactory,
  dashboardPaymentsInput,
  dashboardPrincipalFor,
  paymentsCsv,
  recordAudit,
} from '@kassa/api';
import { KassaApiError, type PaymentsServices } from '@kassa/payments';
import type { FastifyInstance } from 'fastify';

/**
 * The dashboard's CSV exports, as plain HTTP (a download cannot be a tRPC call): the same session,
 * merchant and role checks as the dashboard chain (`dashboardPrincipalFor`), the same filters as
 * its list (`?input=` as JSON, like a tRPC query), streamed in batches, and each export an entry
 * in the audit log. A GET changes nothing, so the merchant may come as `?merchant=` (a download
 * link cannot send the Kassa-Merchant header); the file goes only to the user's own browser.
 */
export function registerDashboardExports(app: FastifyInstance, services: PaymentsServices) {
  const createContext = contextFactory(services);
  app.get<{ Querystring: { input?: string; merchant?: string; mode?: string } }>(
    '/dashboard/exports/payments.csv',
    async (request, reply) => {
      const { merchant, mode } = request.query;
      const ctx = createContext({
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
        const principal = await dashboardPrincipalFor(ctx, 'payments.read');
        let raw: unknown = {};
        try {
          raw = request.query.input === undefined ? {} : JSON.parse(request.query.input);
        } catch {
          throw new KassaApiError({
            type: 'invalid_request_error',
            code: 'parameter_invalid',
            message: 'input is not JSON.',
            param: 'input',
          });
        }
        const parsed = dashboardPaymentsInput.safeParse(raw);
        if (!parsed.success) {
          const [issue] = parsed.error.issues;
          const param = issue?.path.map(String).join('.') || 'input';
          throw new KassaApiError({
            type: 'invalid_request_error',
            code: 'parameter_invalid',
            message: `Invalid ${param}: ${issue?.message ?? 'not valid'}`,
            param,
          });
        }
        await recordAudit(ctx, principal, {
          action: 'dashboard.payments.export',
          outcome: 'success',
          errorCode: null,
          objectId: null,
        });
        const day = services.clock.now().toISOString().slice(0, 10);
        const kind = principal.livemode ? 'live' : 'test';
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="payments-${kind}-${day}.csv"`)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .send(
            Readable.from(
              paymentsCsv(services.db.pool, principal, parsed.data, services.clientSecretKey),
            ),
          );
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
