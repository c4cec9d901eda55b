import type { listPaymentIntentsInput, PaymentIntent } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { keysetPage } from '../lists.ts';
import { loadPaymentIntent, PAYMENT_INTENT_COLUMNS, type PaymentIntentRow } from './store.ts';
import { paymentIntentView } from './view.ts';

/** paymentIntents.list: newest first, with status, customer and created filters (see keysetPage). */
export async function listPaymentIntents(
  db: Queryable,
  ctx: DomainContext,
  input: z.output<typeof listPaymentIntentsInput>,
): Promise<{ object: 'list'; data: PaymentIntent[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<PaymentIntentRow>(db, {
    table: 'payment_intents',
    columns: PAYMENT_INTENT_COLUMNS,
    filters: [
      ['merchant_id = ?', ctx.principal.merchantId],
      ['livemode = ?', ctx.principal.livemode],
      ...(input.status ? [['status = ?', input.status] as [string, unknown]] : []),
      ...(input.customer ? [['customer_id = ?', input.customer] as [string, unknown]] : []),
    ],
    page: input,
    cursor: (id) =>
      loadPaymentIntent(db, ctx.principal, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
      }),
  });
  return {
    object: 'list',
    data: rows.map((row) => paymentIntentView(row, ctx.services.clientSecretKey)),
    has_more: hasMore,
  };
}
