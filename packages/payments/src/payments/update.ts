import type { PaymentIntent, updatePaymentIntentInput } from '@kassa/contracts';
import type { Transaction } from '@kassa/db';
import type { JsonObject } from '@kassa/ledger';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { invalidRequest, unexpectedState } from '../errors.ts';
import { loadPaymentMethod } from '../payment-methods/store.ts';
import { withoutEmptyValues } from './create.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { loadPaymentIntent, savePaymentIntent } from './store.ts';
import { paymentIntentView } from './view.ts';

const UPDATABLE = new Set(['requires_payment_method', 'requires_confirmation']);

/**
 * paymentIntents.update, before confirmation only: amount, payment method, description,
 * metadata (merged into what is there; a value of "" removes the key).
 */
export async function updatePaymentIntent(
  tx: Transaction,
  ctx: DomainContext,
  input: z.output<typeof updatePaymentIntentInput>,
): Promise<PaymentIntent> {
  const row = await loadPaymentIntent(tx, ctx.principal, input.id, { forUpdate: true });
  if (!UPDATABLE.has(row.status)) throw unexpectedState('payment_intent', row.status, 'update');

  const previous: JsonObject = {};
  if (input.payment_method !== undefined && input.payment_method !== row.payment_method_id) {
    await loadPaymentMethod(tx, ctx.principal, input.payment_method, 'payment_method');
    previous.payment_method = row.payment_method_id;
    row.payment_method_id = input.payment_method;
    if (row.status === 'requires_payment_method') {
      previous.status = row.status;
      row.status = 'requires_confirmation';
    }
  }

  if (input.amount !== undefined && BigInt(input.amount) !== row.amount) {
    previous.amount = Number(row.amount);
    row.amount = BigInt(input.amount);
  }
  if (input.description !== undefined && input.description !== row.description) {
    previous.description = row.description;
    row.description = input.description;
  }
  if (input.metadata !== undefined) {
    const merged = withoutEmptyValues({ ...row.metadata, ...input.metadata });
    if (Object.keys(merged).length > 50) {
      throw invalidRequest(
        'parameter_invalid',
        'Invalid metadata: must have at most 50 keys',
        'metadata',
      );
    }
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
