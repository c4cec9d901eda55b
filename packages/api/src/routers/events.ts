import { listEventsInput, retrieveEventInput } from '@kassa/contracts';
import { eventView, listEvents, loadEvent, retrieveBalance } from '@kassa/payments';
import { router } from '../init.ts';
import { merchantProcedure, noInput } from '../procedures.ts';

export const eventsRouter = router({
  retrieve: merchantProcedure
    .input(retrieveEventInput)
    .query(async ({ ctx, input }) =>
      eventView(await loadEvent(ctx.db.pool, ctx.principal, input.id)),
    ),
  list: merchantProcedure
    .input(listEventsInput)
    .query(({ ctx, input }) => listEvents(ctx.db.pool, ctx.principal, input)),
});

export const balanceRouter = router({
  retrieve: merchantProcedure
    .input(noInput)
    .query(({ ctx }) => retrieveBalance(ctx.db.pool, ctx.principal)),
});
