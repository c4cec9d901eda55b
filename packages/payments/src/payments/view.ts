import type { CheckoutPaymentIntent, PaymentIntent } from '@kassa/contracts';
import { forShopper } from './card-testing.ts';
import { clientSecretFor } from './client-secret.ts';
import type { PaymentIntentRow } from './store.ts';

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The API's view of a payment intent (amounts fit a JSON number: at most 99,999,999). */
export function paymentIntentView(row: PaymentIntentRow, clientSecretKey: Buffer): PaymentIntent {
  return {
    id: row.id,
    object: 'payment_intent',
    amount: Number(row.amount),
    amount_capturable: Number(row.amount_capturable),
    amount_received: Number(row.amount_received),
    currency: row.currency.toLowerCase(),
    status: row.status,
    capture_method: row.capture_method,
    payment_method: row.payment_method_id,
    customer: row.customer_id,
    last_payment_error: row.last_payment_error as PaymentIntent['last_payment_error'],
    next_action: row.next_action as PaymentIntent['next_action'],
    client_secret: clientSecretFor(clientSecretKey, row.id),
    description: row.description,
    livemode: row.livemode,
    metadata: row.metadata,
    canceled_at: row.canceled_at ? seconds(row.canceled_at) : null,
    cancellation_reason: row.cancellation_reason as PaymentIntent['cancellation_reason'],
    risk: row.risk,
    created: seconds(row.created_at),
  };
}

/** What the shopper's browser may see of its payment: no metadata, nothing about the merchant. */
export function checkoutPaymentIntentView(
  row: PaymentIntentRow,
  clientSecretKey: Buffer,
): CheckoutPaymentIntent {
  const full = paymentIntentView(row, clientSecretKey);
  return {
    id: full.id,
    object: full.object,
    amount: full.amount,
    currency: full.currency,
    status: full.status,
    capture_method: full.capture_method,
    payment_method: full.payment_method,
    // Lost, stolen, fraudulent…: the shopper is told only that the card was declined.
    last_payment_error: forShopper(full.last_payment_error),
    next_action: full.next_action,
    client_secret: full.client_secret,
    description: full.description,
    livemode: full.livemode,
    canceled_at: full.canceled_at,
    cancellation_reason: full.cancellation_reason,
    created: full.created,
  };
}
