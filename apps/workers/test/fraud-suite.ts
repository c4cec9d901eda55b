import { systemClock } from '@kassa/contracts';
import { query } from '@kassa/db';
import { DEFAULT_USD_RATES, parseUsdRates } from '@kassa/risk';
import { newCardNumber, TEST_FRAUD_KEY, testCard } from '@kassa/testing';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { startFraudService } from '../src/fraud/index.ts';
import { type BusTransport, useWebhooksHarness } from './harness.ts';
import { eventually } from './receiver.ts';

/**
 * The fraud service's features come from the bus, on either transport: its consumer group
 * (`fraud`) records the payments the API takes (the API relays its log to Kafka when the bus is
 * Kafka), and its scoring endpoint then counts them.
 */
export function fraudSuite(transport: BusTransport) {
  const { db, env, kassa, browser, newBus, cleanups, describeOn } = useWebhooksHarness(transport);

  describeOn(`fraud service features (${transport} bus)`, () => {
    it('keeps the counts of a card and a customer from the bus, and scores with them', async () => {
      const k = kassa();
      const customer = await k.customers.create({ email: 'ada@example.com' });
      // One card three times (the last two for the customer), then another card for the customer.
      const payments = [];
      for (const [amount, forCustomer, number] of [
        [1_000, false, undefined],
        [2_000, true, undefined],
        [3_000, true, undefined],
        [2_000, true, newCardNumber()],
      ] as const) {
        const payment = await k.paymentIntents.create({
          amount,
          currency: 'eur',
          ...(forCustomer && { customer: customer.id }),
        });
        await browser('checkout.paymentIntents.confirm', {
          client_secret: payment.client_secret,
          payment_method_data: testCard(number),
        });
        payments.push(payment.id);
      }
      const bus = newBus();
      cleanups.push(() => bus.close());
      const service = await startFraudService({
        pool: db.current.pool,
        bus,
        clock: systemClock,
        log: pino({ level: 'silent' }),
        apiKey: TEST_FRAUD_KEY,
        scoring: { usdRates: parseUsdRates(DEFAULT_USD_RATES) },
        listen: { host: '127.0.0.1', port: 0 },
        schedule: false,
      });
      cleanups.push(() => service.stop());

      // The consumer records each payment's attempt, once, and the merchant's amounts.
      await eventually(async () => {
        const rows = await query<{ payment_intent_id: string; outcome: string }>(
          db.current.pool,
          'SELECT payment_intent_id, outcome FROM risk_observations WHERE merchant_id = $1',
          [env.merchant.merchantId],
        );
        return rows.length === 4;
      }, 60_000);
      const [amounts] = await query<{ payments: bigint; amount: bigint }>(
        db.current.pool,
        'SELECT sum(payments)::bigint AS payments, sum(amount)::bigint AS amount FROM risk_amount_days WHERE merchant_id = $1',
        [env.merchant.merchantId],
      );
      expect(amounts).toEqual({ payments: 4n, amount: 8_000n });

      // The scorer sees them: three payments of this card in the hour, an amount at the average,
      // three payments and two cards of the customer.
      const [card] = await query<{ fingerprint: string }>(
        db.current.pool,
        `SELECT m.fingerprint FROM payment_methods m JOIN payment_intents p ON p.payment_method_id = m.id
          WHERE p.id = $1`,
        [payments[0]],
      );
      const score = async (customerId: string | null) => {
        const response = await fetch(`${service.url}/v1/score`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TEST_FRAUD_KEY}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            merchant: env.merchant.merchantId,
            livemode: false,
            payment_intent: 'pi_next',
            attempt: 'pa_next',
            amount: 2_000,
            currency: 'EUR',
            card: {
              fingerprint: card?.fingerprint,
              brand: 'visa',
              funding: 'credit',
              country: 'US',
            },
            email: null,
            ip: '127.0.0.1',
            ...(customerId !== null && { customer: customerId }),
          }),
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { outcome: string; features: Record<string, unknown> };
      };
      const assessment = await score(customer.id);
      expect(assessment.outcome).toBe('allow');
      expect(assessment.features).toMatchObject({
        payment_count_for_card_hourly: '3',
        is_new_card: false,
        amount_to_merchant_average: '1.0000',
        amount_in_usd: '21.60',
        payment_count_for_customer_hourly: '3',
        payment_count_for_customer_daily: '3',
        card_count_for_customer_hourly: '2',
        card_count_for_customer_daily: '2',
      });
      // Without a customer (or an email) those counts are unknown, not zero.
      expect((await score(null)).features).toMatchObject({
        payment_count_for_customer_hourly: null,
        card_count_for_customer_daily: null,
        payment_count_for_email_hourly: null,
        card_count_for_email_daily: null,
      });
      // A wrong key is refused.
      const refused = await fetch(`${service.url}/v1/score`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-the-key', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(401);
    });
  });
}
