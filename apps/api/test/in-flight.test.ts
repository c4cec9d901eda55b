import { query } from '@kassa/db';
import { describe, expect, it } from 'vitest';
import { client, startApi, testCard, usePaymentsApi } from './support.ts';

// A payment whose confirmation is still with the acquirer: nothing about it may change under
// the attempt, and a retry may only resume it with the card it was made with.

const { db, env, call } = usePaymentsApi();

const card = (number: string, cvc = '123') => {
  const { type, card } = testCard(number);
  return { type, card: { ...card, cvc } };
};

async function newPayment(amount = 2_000) {
  const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
    amount,
    currency: 'eur',
  });
  expect(created.status).toBe(200);
  return created.body;
}

/** Waits for a condition that must come true (20 s at most: a hang, not a measure). */
async function until(read: () => Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const atAcquirer = (reference: string) =>
  query<{ amount: bigint; card_last4: string }>(
    db.current.pool,
    'SELECT amount, card_last4 FROM acquirer_sim.authorizations WHERE reference = $1',
    [reference],
  );

describe('a payment being confirmed', () => {
  it('cannot be updated (amount, payment method) until the confirmation is resolved', async () => {
    // An API that waits as long as it takes: the simulator holds the call until the test is done.
    const patient = await startApi(db.current, { url: env.acquirer.url, timeoutMs: 60_000 });
    try {
      const payment = await newPayment(2_000);
      await env.acquirer.control({ hold: true });
      const confirming = client(patient.base, env.merchant.publishableKey)<{ status: string }>(
        'checkout.paymentIntents.confirm',
        { client_secret: payment.client_secret, payment_method_data: card('4242424242424242') },
      );
      await until(async () => (await env.acquirer.held()) === 1);
      for (const change of [{ amount: 1 }, { payment_method: `pm_${'x'.repeat(24)}` }]) {
        const updated = await call('paymentIntents.update', { id: payment.id, ...change });
        expect(updated).toMatchObject({
          status: 409,
          error: { code: 'payment_intent_unexpected_state' },
        });
      }
      await env.acquirer.control({ hold: false });
      expect((await confirming).body).toMatchObject({ status: 'succeeded' });
      expect(await atAcquirer(payment.id)).toEqual([{ amount: 2_000n, card_last4: '4242' }]);
      const after = await call('paymentIntents.retrieve', { id: payment.id }, { query: true });
      expect(after.body).toMatchObject({ amount: 2_000, amount_received: 2_000 });
    } finally {
      await env.acquirer.control({ hold: false });
      await patient.app.close();
    }
  });

  it('resumed after a lost answer: another card is refused (409), the same card finishes it', async () => {
    const impatient = await startApi(db.current, { url: env.acquirer.url, retries: 0 });
    try {
      const tab = client(impatient.base, env.merchant.publishableKey);
      const payment = await newPayment(3_100);
      const confirm = (number: string, cvc?: string) =>
        tab<{ status: string }>('checkout.paymentIntents.confirm', {
          client_secret: payment.client_secret,
          payment_method_data: card(number, cvc),
        });
      await env.acquirer.control({ lost_response_rate: 1 });
      expect((await confirm('4242424242424242')).error).toMatchObject({ code: 'acquirer_timeout' });
      await env.acquirer.control({ lost_response_rate: 0 });

      const other = await confirm('5555555555554444', '999');
      expect(other).toMatchObject({
        status: 409,
        error: { code: 'payment_intent_unexpected_state', param: 'payment_method_data.card' },
      });
      expect((await confirm('4242 4242 4242 4242')).body).toMatchObject({ status: 'succeeded' });
      expect(await atAcquirer(payment.id)).toEqual([{ amount: 3_100n, card_last4: '4242' }]);
    } finally {
      await impatient.app.close();
    }
  });
});

describe("a checkout session's payment", () => {
  it('keeps the amount its page shows: updating the amount is refused, naming it', async () => {
    const session = await call<{ payment_intent: string; amount_total: number }>(
      'checkoutSessions.create',
      {
        amount: 4_500,
        currency: 'eur',
        success_url: 'https://shop.example/thanks',
        cancel_url: 'https://shop.example/cart',
      },
    );
    expect(session.status).toBe(200);
    const updated = await call('paymentIntents.update', {
      id: session.body.payment_intent,
      amount: 100,
    });
    expect(updated).toMatchObject({
      status: 400,
      error: { code: 'payment_intent_checkout_session', param: 'amount' },
    });
    const described = await call('paymentIntents.update', {
      id: session.body.payment_intent,
      description: 'Order 1042',
    });
    expect(described.status).toBe(200);
  });
});
