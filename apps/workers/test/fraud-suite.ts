import { systemClock } from '@kassa/contracts';
import { query } from '@kassa/db';
import { DEFAULT_USD_RATES, parseUsdRates } from '@kassa/risk';
import { TEST_FRAUD_KEY, testCard } from '@kassa/testing';
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
    it('keeps the counts of a card from the bus, and scores with them', async () => {
      const k = kassa();
      const payments = [];
      for (const amount of [1_000, 2_000, 3_000]) {
        const payment = await k.paymentIntents.create({ amount, currency: 'eur' });
        await browser('checkout.paymentIntents.confirm', {
          client_secret: payment.client_secret,
          payment_method_data: testCard(),
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
        return rows.length === 3;
      }, 60_000);
      const [amounts] = await query<{ payments: bigint; amount: bigint }>(
        db.current.pool,
        'SELECT sum(payments)::bigint AS payments, sum(amount)::bigint AS amount FROM risk_amount_days WHERE merchant_id = $1',
        [env.merchant.merchantId],
      );
      expect(amounts).toEqual({ payments: 3n, amount: 6_000n });

      // The scorer sees them: three payments of this card in the hour, an amount at the average.
      const [card] = await query<{ fingerprint: string }>(
        db.current.pool,
        'SELECT fingerprint FROM payment_methods WHERE merchant_id = $1 LIMIT 1',
        [env.merchant.merchantId],
      );
      const response = await fetch(`${service.url}/v1/score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_FRAUD_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          merchant: env.merchant.merchantId,
          livemode: false,
          payment_intent: 'pi_next',
          attempt: 'pa_next',
          amount: 2_000,
          currency: 'EUR',
          card: { fingerprint: card?.fingerprint, brand: 'visa', funding: 'credit', country: 'US' },
          email: null,
          ip: '127.0.0.1',
        }),
      });
      expect(response.status).toBe(200);
      const assessment = (await response.json()) as {
        outcome: string;
        features: Record<string, unknown>;
      };
      expect(assessment.outcome).toBe('allow');
      expect(assessment.features).toMatchObject({
        payment_count_for_card_hourly: '3',
        is_new_card: false,
        amount_to_merchant_average: '1.0000',
        amount_in_usd: '21.60',
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
