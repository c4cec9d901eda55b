import {
  cancelPaymentIntentInput,
  capturePaymentIntentInput,
  confirmPaymentIntentInput,
  createPaymentIntentInput,
  listPaymentIntentsInput,
  retrievePaymentIntentInput,
  updatePaymentIntentInput,
} from '@kassa/contracts';
import {
  cancelStep,
  captureStep,
  confirmStep,
  createPaymentIntent,
  listPaymentIntents,
  loadPaymentIntent,
  paymentIntentView,
  runAcquirerMutation,
  runMutation,
  updatePaymentIntent,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

export const paymentIntentsRouter = router({
  create: merchantProcedure
    .input(createPaymentIntentInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'paymentIntents.create', input, (tx) => createPaymentIntent(tx, ctx, input)),
    ),
  retrieve: merchantProcedure
    .input(retrievePaymentIntentInput)
    .query(async ({ ctx, input }) =>
      paymentIntentView(
        await loadPaymentIntent(ctx.db.pool, ctx.principal, input.id),
        ctx.services.clientSecretKey,
      ),
    ),
  update: merchantProcedure
    .input(updatePaymentIntentInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'paymentIntents.update', input, (tx) => updatePaymentIntent(tx, ctx, input)),
    ),
  confirm: merchantProcedure.input(confirmPaymentIntentInput).mutation(({ ctx, input }) =>
    runAcquirerMutation(
      ctx,
      'paymentIntents.confirm',
      input,
      confirmStep(
        ctx,
        {
          paymentIntentId: input.id,
          payment_method: input.payment_method,
          return_url: input.return_url,
          checkout: false,
        },
        (row) => paymentIntentView(row, ctx.services.clientSecretKey),
      ),
    ),
  ),
  capture: merchantProcedure
    .input(capturePaymentIntentInput)
    .mutation(({ ctx, input }) =>
      runAcquirerMutation(ctx, 'paymentIntents.capture', input, captureStep(ctx, input)),
    ),
  cancel: merchantProcedure
    .input(cancelPaymentIntentInput)
    .mutation(({ ctx, input }) =>
      runAcquirerMutation(ctx, 'paymentIntents.cancel', input, cancelStep(ctx, input)),
    ),
  list: merchantProcedure
    .input(listPaymentIntentsInput)
    .query(({ ctx, input }) => listPaymentIntents(ctx.db.pool, ctx, input)),
});
