import type { listPaymentIntentsInput, PaymentIntent } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { z } from 'zod';
import type { Context } from '../trpc/init.ts';
import type { Principal } from '../trpc/procedures.ts';
import { loadPaymentIntent, PAYMENT_INTENT_COLUMNS, type PaymentIntentRow } from './store.ts';
import { paymentIntentView } from './view.ts';

/**
 * paymentIntents.list: newest first, by keyset (created, id) so pages stay stable while new
 * payments arrive. `starting_after` gives the page after a payment, `ending_before` the one
 * before it; `has_more` says whether another page exists in that direction.
 */
export async function listPaymentIntents(
  db: Queryable,
  ctx: Context & { principal: Principal },
  input: z.output<typeof listPaymentIntentsInput>,
): Promise<{ object: 'list'; data: PaymentIntent[]; has_more: boolean }> {
  const where = ['merchant_id = $1', 'livemode = $2'];
  const values: unknown[] = [ctx.principal.merchantId, ctx.principal.livemode];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (input.status) add('status = ?', input.status);
  const created = input.created ?? {};
  if (created.gt !== undefined) add('created_at > to_timestamp(?)', created.gt);
  if (created.gte !== undefined) add('created_at >= to_timestamp(?)', created.gte);
  if (created.lt !== undefined) add('created_at < to_timestamp(?)', created.lt);
  if (created.lte !== undefined) add('created_at <= to_timestamp(?)', created.lte);

  const cursorId = input.starting_after ?? input.ending_before;
  const backwards = input.ending_before !== undefined;
  if (cursorId) {
    const cursor = await loadPaymentIntent(db, ctx.principal, cursorId);
    values.push(cursor.created_at, cursor.id);
    const pair = `($${values.length - 1}::timestamptz, $${values.length})`;
    where.push(backwards ? `(created_at, id) > ${pair}` : `(created_at, id) < ${pair}`);
  }
  values.push(input.limit + 1);
  const rows = await query<PaymentIntentRow>(
    db,
    `SELECT ${PAYMENT_INTENT_COLUMNS} FROM payment_intents WHERE ${where.join(' AND ')}
      ORDER BY created_at ${backwards ? 'ASC' : 'DESC'}, id ${backwards ? 'ASC' : 'DESC'} LIMIT $${values.length}`,
    values,
  );
  const hasMore = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  if (backwards) page.reverse();
  return {
    object: 'list',
    data: page.map((row) => paymentIntentView(row, ctx.services.clientSecretKey)),
    has_more: hasMore,
  };
}
