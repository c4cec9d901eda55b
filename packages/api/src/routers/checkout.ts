import {
  confirmCheckoutPaymentIntentInput,
  createPaymentMethodInput,
  retrieveCheckoutPageInput,
  retrieveCheckoutPaymentIntentInput,
} from '@kassa/contracts';
import {
  checkoutPage,
  checkoutPaymentIntentView,
  confirmStep,
  loadPaymentIntent,
  paymentMethodView,
  runAcquirerMutation,
  runMutation,
  tokenizeCard,
} from '@kassa/payments';
import { publicProcedure, router } from '../init.ts';
import { checkoutProcedure } from '../procedures.ts';

/**
 * What the shopper's browser may do, with the publishable key and one payment's client secret
 * (or, on the hosted page, its checkout session's client secret alone): read that payment,
 * tokenize a card for it, and (with the acquirer) confirm it.
 */
export const checkoutRouter = router({
  sessions: router({
    /**
     * The hosted page's view of its session, by id alone (see checkout-sessions/page.ts). It
     * carries no publishable key: the page pays with the session's client secret alone.
     */
    retrieve: publicProcedure
      .input(retrieveCheckoutPageInput)
      .query(({ ctx, input }) => checkoutPage(ctx.db.pool, ctx.services, input.id)),
  }),
  paymentIntents: router({
    retrieve: checkoutProcedure
      .input(retrieveCheckoutPaymentIntentInput)
      .query(async ({ ctx }) =>
        checkoutPaymentIntentView(
          await loadPaymentIntent(ctx.db.pool, ctx.principal, ctx.principal.paymentIntentId),
          ctx.services.clientSecretKey,
        ),
      ),
    confirm: checkoutProcedure.input(confirmCheckoutPaymentIntentInput).mutation(({ ctx, input }) =>
      runAcquirerMutation(
        ctx,
        'checkout.paymentIntents.confirm',
        input,
        confirmStep(
          ctx,
          {
            paymentIntentId: ctx.principal.paymentIntentId,
            payment_method: input.payment_method,
            payment_method_data: input.payment_method_data,
            return_url: input.return_url,
            checkout: true,
          },
          (row) => checkoutPaymentIntentView(row, ctx.services.clientSecretKey),
        ),
      ),
    ),
  }),
  paymentMethods: router({
    create: checkoutProcedure.input(createPaymentMethodInput).mutation(({ ctx, input }) =>
      runMutation(ctx, 'checkout.paymentMethods.create', input, async (tx) =>
        paymentMethodView(
          await tokenizeCard(tx, ctx, input.card, input.billing_details, {
            paramPrefix: 'card',
            forPaymentIntent: ctx.principal.paymentIntentId,
          }),
        ),
      ),
    ),
  }),
});
