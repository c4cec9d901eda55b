import {
  createCustomerInput,
  deleteCustomerInput,
  listCustomersInput,
  retrieveCustomerInput,
  updateCustomerInput,
} from '@kassa/contracts';
import {
  createCustomer,
  customerView,
  deleteCustomer,
  listCustomers,
  loadCustomer,
  runMutation,
  updateCustomer,
} from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure } from '../procedures.ts';

/** Customers: who pays. Payments name one (`customer`); the fraud service counts per customer. */
export const customersRouter = router({
  create: merchantProcedure
    .input(createCustomerInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'customers.create', input, (tx) => createCustomer(tx, ctx, input)),
    ),
  retrieve: merchantProcedure
    .input(retrieveCustomerInput)
    .query(async ({ ctx, input }) =>
      customerView(await loadCustomer(ctx.db.pool, ctx.principal, input.id)),
    ),
  update: merchantProcedure
    .input(updateCustomerInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'customers.update', input, (tx) => updateCustomer(tx, ctx, input)),
    ),
  del: merchantProcedure
    .input(deleteCustomerInput)
    .mutation(({ ctx, input }) =>
      runMutation(ctx, 'customers.del', input, (tx) => deleteCustomer(tx, ctx, input.id)),
    ),
  list: merchantProcedure
    .input(listCustomersInput)
    .query(({ ctx, input }) => listCustomers(ctx.db.pool, ctx, input)),
});
