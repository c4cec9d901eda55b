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
  type Principal,
  rollWebhookEndpointSecret,
  runMutation,
  updateWebhookEndpoint,
  webhookEndpointView,
  withSecret,
} from '@kassa/payments';
import type { z } from 'zod';
import { type Context, router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

type Call<Input extends z.ZodType> = {
  ctx: Context & { principal: Principal };
  input: z.output<Input>;
};

/**
 * What each webhook endpoint procedure does, for any caller with a principal: the merchant API
 * (a secret key) and the dashboard (a member with the permission) run the same code.
 */
export const webhookEndpointHandlers = {
  create: async ({ ctx, input }: Call<typeof createWebhookEndpointInput>) =>
    withSecret(
      ctx,
      await runMutation(ctx, 'webhookEndpoints.create', input, (tx) =>
        createWebhookEndpoint(tx, ctx, input),
      ),
    ),
  retrieve: async ({ ctx, input }: Call<typeof retrieveWebhookEndpointInput>) =>
    webhookEndpointView(await loadWebhookEndpoint(ctx.db.pool, ctx.principal, input.id)),
  update: ({ ctx, input }: Call<typeof updateWebhookEndpointInput>) =>
    runMutation(ctx, 'webhookEndpoints.update', input, (tx) =>
      updateWebhookEndpoint(tx, ctx, input),
    ),
  rollSecret: async ({ ctx, input }: Call<typeof rollWebhookEndpointSecretInput>) =>
    withSecret(
      ctx,
      await runMutation(ctx, 'webhookEndpoints.rollSecret', input, (tx) =>
        rollWebhookEndpointSecret(tx, ctx, input),
      ),
    ),
  del: ({ ctx, input }: Call<typeof deleteWebhookEndpointInput>) =>
    runMutation(ctx, 'webhookEndpoints.del', input, (tx) =>
      deleteWebhookEndpoint(tx, ctx, input.id),
    ),
  list: ({ ctx, input }: Call<typeof listWebhookEndpointsInput>) =>
    listWebhookEndpoints(ctx.db.pool, ctx, input),
};

const h = webhookEndpointHandlers;

export const webhookEndpointsRouter = router({
  create: merchantProcedure.input(createWebhookEndpointInput).mutation(h.create),
  retrieve: merchantProcedure.input(retrieveWebhookEndpointInput).query(h.retrieve),
  update: merchantProcedure.input(updateWebhookEndpointInput).mutation(h.update),
  rollSecret: merchantProcedure.input(rollWebhookEndpointSecretInput).mutation(h.rollSecret),
  del: merchantProcedure.input(deleteWebhookEndpointInput).mutation(h.del),
  list: merchantProcedure.input(listWebhookEndpointsInput).query(h.list),
});
