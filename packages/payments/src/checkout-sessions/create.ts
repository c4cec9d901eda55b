import {
  CHECKOUT_SESSION_MAX_SECONDS,
  CHECKOUT_SESSION_MIN_SECONDS,
  type CheckoutSession,
  type createCheckoutSessionInput,
  MAX_AMOUNT,
  newId,
} from '@kassa/contracts';
import type { Transaction } from '@kassa/db';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { createPaymentIntent } from '../payments/create.ts';
import { type CheckoutSessionRow, checkoutSessionView, insertCheckoutSession } from './store.ts';

/**
 * checkoutSessions.create: the session and its one payment intent, in one transaction. The
 * payment is created now (not when the shopper pays) so that every tab, every press of the pay
 * button and every retry after a decline acts on the same payment: a session can be paid once.
 */
export async function createCheckoutSession(
  tx: Transaction,
  ctx: DomainContext,
  input: z.output<typeof createCheckoutSessionInput>,
): Promise<CheckoutSession> {
  // One reading of the clock: created and expires_at are exactly the lifetime apart, however long
  // the rest of this takes.
  const createdAt = ctx.services.clock.now();
  const now = Math.floor(createdAt.getTime() / 1000);
  const expiresAt = input.expires_at ?? now + CHECKOUT_SESSION_MAX_SECONDS;
  if (
    expiresAt < now + CHECKOUT_SESSION_MIN_SECONDS ||
    expiresAt > now + CHECKOUT_SESSION_MAX_SECONDS
  ) {
    throw invalidRequest(
      'parameter_invalid',
      'Invalid expires_at: must be between 30 minutes and 24 hours from now.',
      'expires_at',
    );
  }
  const lineItems = (
    input.line_items ?? [{ name: 'Payment', quantity: 1, unit_amount: input.amount as number }]
  ).map((item) => ({ ...item, amount_total: item.quantity * item.unit_amount }));
  const total = lineItems.reduce((sum, item) => sum + BigInt(item.amount_total), 0n);
  if (total > BigInt(MAX_AMOUNT)) {
    throw invalidRequest(
      'amount_too_large',
      `The total of the line items must be at most ${MAX_AMOUNT} minor units.`,
      'line_items',
    );
  }
  const id = newId('checkoutSession');
  const payment = await createPaymentIntent(tx, ctx, {
    amount: Number(total),
    currency: input.currency,
    capture_method: input.capture_method,
    description: `Checkout session ${id}`,
    metadata: input.metadata,
  });
  const row: CheckoutSessionRow = {
    id,
    merchant_id: ctx.principal.merchantId,
    livemode: ctx.principal.livemode,
    status: 'open',
    amount_total: total,
    currency: input.currency.toUpperCase(),
    line_items: lineItems,
    customer_email: input.customer_email ?? null,
    capture_method: input.capture_method,
    success_url: input.success_url,
    cancel_url: input.cancel_url,
    payment_intent_id: payment.id,
    expires_at: new Date(expiresAt * 1000),
    completed_at: null,
    metadata: payment.metadata,
    created_at: createdAt,
  };
  await insertCheckoutSession(tx, row);
  return checkoutSessionView(row, ctx.services);
}
