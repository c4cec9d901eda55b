import {
  createWebhookEndpointInput,
  deleteWebhookEndpointInput,
  listWebhookEndpointsInput,
  retrieveWebhookEndpointInput,
  rollWebhookEndpointSecretInput,
  updateWebhookEndpointInput,
} from '@kassa/contracts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  loadWebhookEndpoint,
  rollWebhookEndpointSecret,
  runMutation,
  updateWebhookEndpoint,
  webhookEndpointView,
  withSecret,
} from '@kassa/payments';
import {
  deliveryDetail,
  listDeliveries,
  listDeliveriesInput,
  resendDelivery,
  resendDeliveryInput,
  resendFailed,
  resendFailedInput,
} from '../dashboard/webhooks.ts';
import { router } from '../init.ts';
import { dashboardProcedureWith } from '../procedures.ts';

/**
 * The merchant's webhook endpoints in the mode shown, with the merchant API's objects, errors and
 * idempotency (the same domain functions): create and roll reveal the signing secret, once.
 */
export const dashboardWebhookEndpointsRouter = router({
  list: dashboardProcedureWith('developers.read')
    .input(listWebhookEndpointsInput)
    .query(({ ctx, input }) => listWebhookEndpoints(ctx.db.pool, ctx, input)),
  retrieve: dashboardProcedureWith('developers.read')
    .input(retrieveWebhookEndpointInput)
    .query(async ({ ctx, input }) =>
      webhookEndpointView(await loadWebhookEndpoint(ctx.db.pool, ctx.principal, input.id)),
    ),
  create: dashboardProcedureWith('webhooks.manage')
    .input(createWebhookEndpointInput)
    .mutation(async ({ ctx, input }) =>
      withSecret(
        ctx,
        await runMutation(ctx, 'webhookEndpoints.create', input, (tx) =>
          createWebhookEndpoint(tx, ctx, input),
        ),
      ),
    ),
  update: dashboardProcedureWith('webhooks.manage')
    .input(updateWebhookEndpointInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'webhookEndpoints.update', input, (tx) =>
        updateWebhookEndpoint(tx, ctx, input),
      ),
    ),
  rollSecret: dashboardProcedureWith('webhooks.manage')
    .input(rollWebhookEndpointSecretInput)
    .mutation(async ({ ctx, input }) =>
      withSecret(
        ctx,
        await runMutation(ctx, 'webhookEndpoints.rollSecret', input, (tx) =>
          rollWebhookEndpointSecret(tx, ctx, input),
        ),
      ),
    ),
  del: dashboardProcedureWith('webhooks.manage')
    .input(deleteWebhookEndpointInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'webhookEndpoints.del', input, (tx) =>
        deleteWebhookEndpoint(tx, ctx, input.id),
      ),
    ),
});

/** The delivery log (dashboard/webhooks.ts): per endpoint, per delivery with every attempt. */
export const dashboardWebhookDeliveriesRouter = router({
  list: dashboardProcedureWith('developers.read')
    .input(listDeliveriesInput)
    .query(({ ctx, input }) => listDeliveries(ctx.db.pool, ctx.principal, input)),
  retrieve: dashboardProcedureWith('developers.read')
    .input(resendDeliveryInput)
    .query(({ ctx, input }) => deliveryDetail(ctx.db.pool, ctx.principal, input.id)),
  resend: dashboardProcedureWith('webhooks.manage')
    .input(resendDeliveryInput)
    .mutation(({ ctx, input }) => resendDelivery(ctx.db.pool, ctx.principal, input)),
  resendFailed: dashboardProcedureWith('webhooks.manage')
    .input(resendFailedInput)
    .mutation(({ ctx, input }) => resendFailed(ctx.db.pool, ctx.principal, input)),
});
