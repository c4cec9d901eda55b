import {
  cancelPaymentIntentInput,
  capturePaymentIntentInput,
  confirmPaymentIntentInput,
  createPaymentIntentInput,
  listPaymentIntentsInput,
  retrievePaymentIntentInput,
  updatePaymentIntentInput,
} from '@kassa/contracts';
import { runAcquirerMutation, runMutation } from '../../idempotency.ts';
import { cancelStep } from '../../payments/cancel.ts';
import { captureStep } from '../../payments/capture.ts';
import { confirmStep } from '../../payments/confirm.ts';
import { createPaymentIntent } from '../../payments/create.ts';
import { listPaymentIntents } from '../../payments/list.ts';
import { loadPaymentIntent } from '../../payments/store.ts';
import { updatePaymentIntent } from '../../payments/update.ts';
import { paymentIntentView } from '../../payments/view.ts';
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
