import { retrievePaymentMethodInput } from '@kassa/contracts';
import { loadPaymentMethod, paymentMethodView } from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

export const paymentMethodsRouter = router({
  retrieve: merchantProcedure
    .input(retrievePaymentMethodInput)
    .query(async ({ ctx, input }) =>
      paymentMethodView(await loadPaymentMethod(ctx.db.pool, ctx.principal, input.id)),
    ),
});
