import {
  createWebhookEndpointInput,
  deleteWebhookEndpointInput,
  listWebhookEndpointsInput,
  retrieveWebhookEndpointInput,
  rollWebhookEndpointSecretInput,
  updateWebhookEndpointInput,
} from '@kassa/contracts';
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
import { webhookEndpointHandlers as h } from './webhook-endpoints.ts';

const read = dashboardProcedureWith('developers.read');
const manage = dashboardProcedureWith('webhooks.manage');

/**
 * The merchant's webhook endpoints in the mode shown: the merchant API's own procedures
 * (webhook-endpoints.ts: objects, errors, idempotency), behind the dashboard's permissions; create
 * and roll reveal the signing secret, once.
 */
export const dashboardWebhookEndpointsRouter = router({
  list: read.input(listWebhookEndpointsInput).query(h.list),
  retrieve: read.input(retrieveWebhookEndpointInput).query(h.retrieve),
  create: manage.input(createWebhookEndpointInput).mutation(h.create),
  update: manage.input(updateWebhookEndpointInput).mutation(h.update),
  rollSecret: manage.input(rollWebhookEndpointSecretInput).mutation(h.rollSecret),
  del: manage.input(deleteWebhookEndpointInput).mutation(h.del),
});

/** The delivery log (dashboard/webhooks.ts): per endpoint, per delivery with every attempt. */
export const dashboardWebhookDeliveriesRouter = router({
  list: read
    .input(listDeliveriesInput)
    .query(({ ctx, input }) => listDeliveries(ctx.db.pool, ctx.principal, input)),
  retrieve: read
    .input(resendDeliveryInput)
    .query(({ ctx, input }) => deliveryDetail(ctx.db.pool, ctx.principal, input.id)),
  resend: manage
    .input(resendDeliveryInput)
    .mutation(({ ctx, input }) => resendDelivery(ctx.db.pool, ctx.principal, input)),
  resendFailed: manage
    .input(resendFailedInput)
    .mutation(({ ctx, input }) => resendFailed(ctx.db.pool, ctx.principal, input)),
});
