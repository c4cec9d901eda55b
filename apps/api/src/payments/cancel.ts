import type { cancelPaymentIntentInput, PaymentIntent } from '@kassa/contracts';
import type { Transaction } from '@kassa/db';
import { release } from '@kassa/ledger';
import type { z } from 'zod';
import { unexpectedState } from '../errors.ts';
import type { Context } from '../trpc/init.ts';
import type { Principal } from '../trpc/procedures.ts';
import { recordPaymentIntentEvent } from './events.ts';
import { loadPaymentIntent, savePaymentIntent } from './store.ts';
import { paymentIntentView } from './view.ts';

const CANCELABLE = new Set([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'requires_capture',
]);

/**
 * paymentIntents.cancel: before the money moved. An authorization's hold is released in the
 * ledger in the same transaction; a payment that is processing or done cannot be canceled.
 */
export async function cancelPaymentIntent(
  tx: Transaction,
  ctx: Context & { principal: Principal },
  input: z.output<typeof cancelPaymentIntentInput>,
): Promise<PaymentIntent> {
  const row = await loadPaymentIntent(tx, ctx.principal, input.id, { forUpdate: true });
  if (!CANCELABLE.has(row.status)) throw unexpectedState('payment_intent', row.status, 'cancel');
  if (row.hold_id) {
    await release(tx, { holdId: row.hold_id, merchantId: row.merchant_id });
    row.hold_id = null;
  }
  row.status = 'canceled';
  row.amount_capturable = 0n;
  row.next_action = null;
  row.canceled_at = new Date();
  row.cancellation_reason = input.cancellation_reason ?? null;
  row.version += 1;
  await savePaymentIntent(tx, row);
  await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.canceled');
  return paymentIntentView(row, ctx.services.clientSecretKey);
}
