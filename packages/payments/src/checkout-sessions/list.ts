import type { CheckoutSession, listCheckoutSessionsInput } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { keysetPage } from '../lists.ts';
import {
  type CheckoutSessionRow,
  checkoutSessionView,
  loadCheckoutSession,
  SESSION_COLUMNS,
} from './store.ts';

/** checkoutSessions.list: newest first, optionally by status or payment (see keysetPage). */
export async function listCheckoutSessions(
  db: Queryable,
  ctx: DomainContext,
  input: z.output<typeof listCheckoutSessionsInput>,
): Promise<{ object: 'list'; data: CheckoutSession[]; has_more: boolean }> {
  const filters: Array<[string, unknown]> = [
    ['merchant_id = ?', ctx.principal.merchantId],
    ['livemode = ?', ctx.principal.livemode],
  ];
  if (input.status) filters.push(['status = ?', input.status]);
  if (input.payment_intent) filters.push(['payment_intent_id = ?', input.payment_intent]);
  const { rows, hasMore } = await keysetPage<CheckoutSessionRow>(db, {
    table: 'checkout_sessions',
    columns: SESSION_COLUMNS,
    filters,
    page: input,
    cursor: (id) =>
      loadCheckoutSession(db, ctx.principal, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
      }),
  });
  return {
    object: 'list',
    data: rows.map((row) => checkoutSessionView(row, ctx.services)),
    has_more: hasMore,
  };
}
