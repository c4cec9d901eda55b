import type { listRefundsInput, Refund } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { keysetPage } from '../lists.ts';
import { loadRefund, REFUND_COLUMNS, type RefundRow, refundView } from './store.ts';

/** refunds.list: newest first, optionally of one payment (see keysetPage). */
export async function listRefunds(
  db: Queryable,
  ctx: DomainContext,
  input: z.output<typeof listRefundsInput>,
): Promise<{ object: 'list'; data: Refund[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<RefundRow>(db, {
    table: 'refunds',
    columns: REFUND_COLUMNS,
    filters: [
      ['merchant_id = ?', ctx.principal.merchantId],
      ['livemode = ?', ctx.principal.livemode],
      ...(input.payment_intent
        ? [['payment_intent_id = ?', input.payment_intent] as [string, unknown]]
        : []),
    ],
    page: input,
    cursor: (id) =>
      loadRefund(db, ctx.principal, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
      }),
  });
  return { object: 'list', data: rows.map(refundView), has_more: hasMore };
}
