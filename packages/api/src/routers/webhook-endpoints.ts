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
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

export const webhookEndpointsRouter = router({
  create: merchantProcedure
    .input(createWebhookEndpointInput)
    .mutation(async ({ ctx, input }) =>
      withSecret(
        ctx,
        await runMutation(ctx, 'webhookEndpoints.create', input, (tx) =>
          createWebhookEndpoint(tx, ctx, input),
        ),
      ),
    ),
  retrieve: merchantProcedure
    .input(retrieveWebhookEndpointInput)
    .query(async ({ ctx, input }) =>
      webhookEndpointView(await loadWebhookEndpoint(ctx.db.pool, ctx.principal, input.id)),
    ),
  update: merchantProcedure
    .input(updateWebhookEndpointInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'webhookEndpoints.update', input, (tx) =>
        updateWebhookEndpoint(tx, ctx, input),
      ),
    ),
  rollSecret: merchantProcedure
    .input(rollWebhookEndpointSecretInput)
    .mutation(async ({ ctx, input }) =>
      withSecret(
        ctx,
        await runMutation(ctx, 'webhookEndpoints.rollSecret', input, (tx) =>
          rollWebhookEndpointSecret(tx, ctx, input),
        ),
      ),
    ),
  del: merchantProcedure
    .input(deleteWebhookEndpointInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'webhookEndpoints.del', input, (tx) =>
        deleteWebhookEndpoint(tx, ctx, input.id),
      ),
    ),
  list: merchantProcedure
    .input(listWebhookEndpointsInput)
    .query(({ ctx, input }) => listWebhookEndpoints(ctx.db.pool, ctx, input)),
});
