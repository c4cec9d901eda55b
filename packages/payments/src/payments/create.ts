import type { createPaymentIntentInput, PaymentIntent } from '@kassa/contracts';
import { newId } from '@kassa/contracts';
import type { Transaction } from '@kassa/db';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { loadCustomer } from '../customers/customers.ts';
import { invalidRequest } from '../errors.ts';
import { loadPaymentMethod } from '../payment-methods/store.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { insertPaymentIntent, type PaymentIntentRow } from './store.ts';
import { paymentIntentView } from './view.ts';

/** paymentIntents.create: a payment waiting for a payment method. Nothing moves money yet. */
export async function createPaymentIntent(
  tx: Transaction,
  ctx: DomainContext,
  input: z.output<typeof createPaymentIntentInput>,
): Promise<PaymentIntent> {
  if (input.payment_method) {
    await loadPaymentMethod(tx, ctx.principal, input.payment_method, 'payment_method');
  }
  if (input.customer)
    await loadCustomer(tx, ctx.principal, input.customer, { param: 'customer', forShare: true });
  const row: PaymentIntentRow = {
    id: newId('paymentIntent'),
    merchant_id: ctx.principal.merchantId,
    livemode: ctx.principal.livemode,
    amount: BigInt(input.amount),
    currency: input.currency.toUpperCase(),
    status: input.payment_method ? 'requires_confirmation' : 'requires_payment_method',
    capture_method: input.capture_method,
    amount_capturable: 0n,
    amount_received: 0n,
    payment_method_id: input.payment_method ?? null,
    customer_id: input.customer ?? null,
    last_payment_error: null,
    next_action: null,
    description: input.description ?? null,
    metadata: withoutEmptyValues(input.metadata ?? {}),
    hold_id: null,
    acquirer_authorization_id: null,
    capture_before: null,
    amount_refunded: 0n,
    risk: null,
    canceled_at: null,
    cancellation_reason: null,
    version: 1,
    created_at: ctx.services.clock.now(),
  };
  await insertPaymentIntent(tx, row);
  await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.created');
  return paymentIntentView(row, ctx.services.clientSecretKey);
}

/** Metadata values of "" mean "no such key" (the way an update deletes one). */
export function withoutEmptyValues(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== ''));
}

/**
 * An update's metadata merged into what an object has (a value of "" removes the key), or a
 * typed error when the result would have more than 50 keys.
 */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string>,
): Record<string, string> {
  const merged = withoutEmptyValues({ ...current, ...update });
  if (Object.keys(merged).length > 50)
    throw invalidRequest(
      'parameter_invalid',
      'Invalid metadata: must have at most 50 keys',
      'metadata',
    );
  return merged;
}
