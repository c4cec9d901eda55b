import type { PaymentIntent, updatePaymentIntentInput } from '@kassa/contracts';
import { query, type Transaction } from '@kassa/db';
import type { JsonObject } from '@kassa/ledger';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { loadCustomer } from '../customers/customers.ts';
import { invalidRequest, KassaApiError, unexpectedState } from '../errors.ts';
import { loadPaymentMethod } from '../payment-methods/store.ts';
import { paymentIntentMachine } from '../state-machine.ts';
import { openAttempt } from './attempts.ts';
import { mergeMetadata } from './create.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { loadPaymentIntent, savePaymentIntent } from './store.ts';
import { paymentIntentView } from './view.ts';

const UPDATABLE = new Set(['requires_payment_method', 'requires_confirmation']);

/**
 * paymentIntents.update, before confirmation only: amount, payment method, customer,
 * description, metadata (merged into what is there; a value of "" removes the key).
 */
export async function updatePaymentIntent(
  tx: Transaction,
  ctx: DomainContext,
  input: z.output<typeof updatePaymentIntentInput>,
): Promise<PaymentIntent> {
  const row = await loadPaymentIntent(tx, ctx.principal, input.id, { forUpdate: true });
  if (!UPDATABLE.has(row.status)) throw unexpectedState('payment_intent', row.status, 'update');
  // While a confirmation is in flight the payment still reads requires_payment_method; the
  // acquirer is being asked for the amount and card of that attempt, which must not change.
  const open = await openAttempt(tx, row.id, ['authorize']);
  if (open) {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: 'This payment is being confirmed; it cannot be updated until that is resolved.',
      status: 409,
    });
  }

  const previous: JsonObject = {};
  if (input.payment_method !== undefined && input.payment_method !== row.payment_method_id) {
    await loadPaymentMethod(tx, ctx.principal, input.payment_method, 'payment_method');
    previous.payment_method = row.payment_method_id;
    row.payment_method_id = input.payment_method;
    if (paymentIntentMachine.can(row.status, 'payment_method_attached')) {
      previous.status = paymentIntentMachine.advance(row, 'payment_method_attached');
    }
  }

  if (input.customer !== undefined && input.customer !== row.customer_id) {
    await loadCustomer(tx, ctx.principal, input.customer, { param: 'customer', forShare: true });
    previous.customer = row.customer_id;
    row.customer_id = input.customer;
  }

  if (input.amount !== undefined && BigInt(input.amount) !== row.amount) {
    // The hosted page shows the session's total: that is the amount the shopper agrees to pay.
    const [session] = await query<{ id: string }>(
      tx,
      'SELECT id FROM checkout_sessions WHERE payment_intent_id = $1',
      [row.id],
    );
    if (session) {
      throw invalidRequest(
        'payment_intent_checkout_session',
        `This payment belongs to checkout session ${session.id}, whose page shows its amount: create a new session to charge another.`,
        'amount',
      );
    }
    previous.amount = Number(row.amount);
    row.amount = BigInt(input.amount);
  }
  if (input.description !== undefined && input.description !== row.description) {
    previous.description = row.description;
    row.description = input.description;
  }
  if (input.metadata !== undefined) {
    const merged = mergeMetadata(row.metadata, input.metadata);
    if (JSON.stringify(merged) !== JSON.stringify(row.metadata)) {
      previous.metadata = row.metadata;
      row.metadata = merged;
    }
  }
  if (Object.keys(previous).length > 0) {
    row.version += 1;
    await savePaymentIntent(tx, row);
    await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.updated', {
      previous_attributes: previous,
    });
  }
  return paymentIntentView(row, ctx.services.clientSecretKey);
}
