// A merchant's server taking a payment with @kassa/sdk, start to finish:
//
//   KASSA_SECRET_KEY=sk_test_… KASSA_API_URL=http://127.0.0.1:4000 \
//   PAYMENT_METHOD=pm_… npx tsx take-a-payment.ts
//
// PAYMENT_METHOD is a card the hosted checkout tokenized (with `npm start`, pay once on the
// checkout or create one with the test card 4242 4242 4242 4242). Each step has its own
// idempotency key, so running the script again after a crash never charges twice.
import Kassa, { KassaCardError } from '@kassa/sdk';

const kassa = new Kassa(process.env.KASSA_SECRET_KEY ?? '', {
  baseUrl: process.env.KASSA_API_URL,
});
const order = process.env.ORDER_ID ?? `order-${Date.now()}`;

// 1. Create the payment when the order is placed: authorize now, capture when it ships.
const payment = await kassa.paymentIntents.create(
  { amount: 4_990, currency: 'eur', capture_method: 'manual', metadata: { order } },
  { idempotencyKey: `${order}:create` },
);

// 2. Confirm with the card the checkout tokenized.
try {
  await kassa.paymentIntents.confirm(
    payment.id,
    { payment_method: process.env.PAYMENT_METHOD },
    { idempotencyKey: `${order}:confirm` },
  );
} catch (error) {
  if (error instanceof KassaCardError) {
    console.log(JSON.stringify({ order, declined: error.declineCode ?? error.code }));
    process.exit(2);
  }
  throw error;
}

// 3. The order ships: capture what is shipped (the rest of the authorization is released).
const captured = await kassa.paymentIntents.capture(
  payment.id,
  { amount_to_capture: 3_990 },
  { idempotencyKey: `${order}:capture` },
);

// 4. One item comes back: refund it.
const refund = await kassa.refunds.create(
  { payment_intent: payment.id, amount: 1_000, reason: 'requested_by_customer' },
  { idempotencyKey: `${order}:refund-1` },
);

// 5. What happened, as events (the same ones webhooks deliver).
const types: string[] = [];
for await (const event of kassa.events.list({ limit: 100 })) {
  if ((event.data.object as { id?: string }).id === payment.id) types.push(event.type);
  if (types.length >= 10) break;
}

console.log(
  JSON.stringify({
    order,
    payment: payment.id,
    status: captured.status,
    amount_received: captured.amount_received,
    refund: { id: refund.id, status: refund.status, amount: refund.amount },
    events: types,
  }),
);
