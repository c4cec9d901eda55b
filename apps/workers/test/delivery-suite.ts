import { Kassa } from '@kassa/sdk';
import { newMerchant, testCard } from '@kassa/testing';
import { expect, it } from 'vitest';
import { fanOut } from '../src/webhooks/index.ts';
import { type BusTransport, useWebhooksHarness } from './harness.ts';
import { eventually, startReceiver } from './receiver.ts';

/**
 * The webhooks worker against the real API (with its ledger sealer, on Kafka also the outbox
 * relay, running), the real bus of `transport`, and merchants' endpoints as real HTTP servers.
 * Every delivery is verified the way a merchant verifies it: with the SDK's constructEvent and
 * the secret the API gave. The same tests, for each transport (webhooks.test.ts,
 * webhooks-kafka.test.ts): the same events, signed the same way.
 */
export function webhookDeliverySuite(transport: BusTransport) {
  const harness = useWebhooksHarness(transport);
  const { db, env, browser, kassa, cleanups, startWorker, endpointFor, deliveriesOf, describeOn } =
    harness;
  const verify = (body: string, header: string | string[] | undefined, secret: string) =>
    kassa().webhooks.constructEvent(body, header as string | undefined, secret);

  // On Kafka each worker's group takes seconds to form, more on CI's loaded cores.
  describeOn(`webhook delivery (${transport})`, { timeout: 120_000 }, () => {
    it('delivers every event of a payment, signed with the endpoint secret', async () => {
      const receiver = await startReceiver();
      cleanups.push(receiver.close);
      const endpoint = await endpointFor(receiver.url);
      expect(endpoint.secret).toMatch(/^whsec_/);
      await startWorker();

      const payment = await kassa().paymentIntents.create({ amount: 1_250, currency: 'eur' });
      await browser('checkout.paymentIntents.confirm', {
        client_secret: payment.client_secret,
        payment_method_data: testCard(),
      });
      const types = await eventually(() => {
        const seen = receiver.events().filter((e) => JSON.stringify(e).includes(payment.id));
        return seen.length === 2 && seen.map((e) => e.type);
      });
      // Deliveries are not ordered across events: receivers order by the object's state.
      expect(types.sort()).toEqual(['payment_intent.created', 'payment_intent.succeeded']);

      for (const delivery of receiver.received) {
        const event = await verify(
          delivery.body,
          delivery.headers['kassa-signature'],
          endpoint.secret as string,
        );
        expect(event.object).toBe('event');
        expect(delivery.headers['content-type']).toBe('application/json; charset=utf-8');
        // The body is the event exactly as events.retrieve returns it.
        expect(event).toEqual(await kassa().events.retrieve(event.id));
        // Card data in a delivery: at most BIN and last 4.
        expect(delivery.body).not.toContain('4242424242424242');
      }
      await eventually(async () =>
        (await deliveriesOf(endpoint.id)).every(
          (d) => d.status === 'succeeded' && d.attempts === 1,
        ),
      );
    });

    it('retries a failing endpoint with backoff and the same event, then succeeds', async () => {
      const receiver = await startReceiver((_delivery, index) => (index < 2 ? 503 : 200));
      cleanups.push(receiver.close);
      const endpoint = await endpointFor(receiver.url, ['payment_intent.created']);
      await startWorker();
      await kassa().paymentIntents.create({ amount: 500, currency: 'eur' });

      const [delivery] = await eventually(async () => {
        const rows = await deliveriesOf(endpoint.id);
        return rows[0]?.status === 'succeeded' && rows;
      });
      expect(delivery).toMatchObject({ attempts: 3, last_response_status: 200, last_error: null });
      const ids = receiver.events().map((e) => e.id);
      expect(ids).toEqual([ids[0], ids[0], ids[0]]);
      for (const d of receiver.received)
        await verify(d.body, d.headers['kassa-signature'], endpoint.secret as string);
      // Backoff: each retry waited at least half its exponential delay (50 ms, then 100 ms).
      const [a, b, c] = receiver.received.map((d) => d.at) as [number, number, number];
      expect(b - a).toBeGreaterThanOrEqual(25);
      expect(c - b).toBeGreaterThanOrEqual(50);
      // The delivery log: each attempt's request headers and the answer, as sent and received.
      const { rows: attempts } = await db.current.pool.query(
        `SELECT attempt, request_url, request_headers, response_status, response_headers,
                response_body, error, succeeded, merchant_id
           FROM webhook_delivery_attempts
          WHERE delivery_id = (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)
          ORDER BY attempt`,
        [endpoint.id],
      );
      expect(
        attempts.map((r) => [r.attempt, r.response_status, r.error, r.succeeded, r.response_body]),
      ).toEqual([
        [1, 503, 'HTTP 503', false, '{}'],
        [2, 503, 'HTTP 503', false, '{}'],
        [3, 200, null, true, '{}'],
      ]);
      for (const [i, row] of attempts.entries()) {
        expect(row.request_url).toBe(receiver.url);
        expect(row.request_headers['kassa-signature']).toBe(
          receiver.received[i]?.headers['kassa-signature'],
        );
        expect(row.response_headers['content-type']).toBe('application/json');
      }
    });

    it('dead-letters a delivery after the last attempt: errors, timeouts, redirects, refused connections', async () => {
      const errors = await startReceiver(() => 500);
      const hangs = await startReceiver(() => 'hang');
      const redirects = await startReceiver(() => 302);
      cleanups.push(errors.close, hangs.close, redirects.close);
      const closed = await startReceiver();
      await closed.close(); // nothing listens on its port any more
      const endpoints = await Promise.all(
        [errors.url, hangs.url, redirects.url, closed.url].map((url) =>
          endpointFor(url, ['payment_intent.created']),
        ),
      );
      await startWorker({ timeoutMs: 2_000 });
      await kassa().paymentIntents.create({ amount: 700, currency: 'eur' });

      const outcomes = await eventually(async () => {
        const rows = await Promise.all(endpoints.map(async (e) => (await deliveriesOf(e.id))[0]));
        return rows.every((r) => r?.status === 'dead') && rows;
      });
      expect(outcomes.map((r) => [r?.attempts, r?.last_response_status])).toEqual([
        [3, 500],
        [3, null],
        [3, 302],
        [3, null],
      ]);
      expect(outcomes[0]?.last_error).toBe('HTTP 500');
      expect(outcomes[1]?.last_error).toBe('no answer within 2000 ms');
      expect(outcomes[3]?.last_error).toBe('ECONNREFUSED');
      expect(errors.received).toHaveLength(3);
    });

    it('sends only the subscribed types, only to the merchant and mode of the event', async () => {
      const refundsOnly = await startReceiver();
      const family = await startReceiver();
      const otherMerchant = await startReceiver();
      cleanups.push(refundsOnly.close, family.close, otherMerchant.close);
      const refunds = await endpointFor(refundsOnly.url, ['refund.*']);
      await endpointFor(family.url, ['payment_intent.*']);
      const other = await newMerchant(db.current);
      const others = await endpointFor(
        otherMerchant.url,
        ['*'],
        new Kassa(other.secretKey, { baseUrl: env.base }),
      );
      await startWorker();

      const payment = await kassa().paymentIntents.create({ amount: 900, currency: 'eur' });
      await eventually(() => family.events().some((e) => JSON.stringify(e).includes(payment.id)));
      // The event was fanned out to every endpoint it is owed to in one statement, before the
      // family endpoint's delivery could exist: none was owed to these two.
      expect(await deliveriesOf(refunds.id)).toEqual([]);
      expect(await deliveriesOf(others.id)).toEqual([]);
      expect(refundsOnly.received).toHaveLength(0);
      expect(otherMerchant.received).toHaveLength(0);
    });

    it('skips disabled endpoints and sends what waited once re-enabled', async () => {
      const receiver = await startReceiver();
      const probe = await startReceiver();
      cleanups.push(receiver.close, probe.close);
      const endpoint = await endpointFor(receiver.url, ['payment_intent.created']);
      // An enabled endpoint beside it: once the probe is owed the event, the event has been fanned
      // out (to every endpoint in one statement), so the disabled one's turn has passed.
      const enabled = await endpointFor(probe.url, ['payment_intent.created']);
      await kassa().webhookEndpoints.update(endpoint.id, { disabled: true });
      await startWorker();
      const skipped = await kassa().paymentIntents.create({ amount: 300, currency: 'eur' });
      await eventually(async () => (await deliveriesOf(enabled.id)).length === 1);
      // Disabled when the event was fanned out: nothing is owed to it.
      expect(await deliveriesOf(endpoint.id)).toHaveLength(0);

      await kassa().webhookEndpoints.update(endpoint.id, { disabled: false });
      const sent = await kassa().paymentIntents.create({ amount: 301, currency: 'eur' });
      await eventually(async () => (await deliveriesOf(enabled.id)).length === 2);
      await eventually(() => receiver.received.length === 1);
      const delivered = receiver.received.map(
        (d) => (JSON.parse(d.body) as { data: { object: { id: string } } }).data.object.id,
      );
      expect(delivered).toEqual([sent.id]);
      expect(delivered).not.toContain(skipped.id);
    });

    it('signs with the old and the new secret while a roll lasts', async () => {
      const receiver = await startReceiver();
      cleanups.push(receiver.close);
      const endpoint = await endpointFor(receiver.url, ['payment_intent.created']);
      const rolled = await kassa().webhookEndpoints.rollSecret(endpoint.id, {
        expires_in_hours: 1,
      });
      expect(rolled.secret).toMatch(/^whsec_/);
      expect(rolled.secret).not.toBe(endpoint.secret);
      await startWorker();
      await kassa().paymentIntents.create({ amount: 400, currency: 'eur' });
      const [delivery] = await eventually(() => receiver.received.length > 0 && receiver.received);
      const header = delivery?.headers['kassa-signature'] as string;
      expect(header.match(/v1=/g)).toHaveLength(2);
      await verify(delivery?.body as string, header, endpoint.secret as string);
      await verify(delivery?.body as string, header, rolled.secret as string);
      await expect(verify(delivery?.body as string, header, 'whsec_other')).rejects.toThrow();

      // A roll with no overlap: the old secret stops at once.
      const again = await kassa().webhookEndpoints.rollSecret(endpoint.id, { expires_in_hours: 0 });
      await kassa().paymentIntents.create({ amount: 401, currency: 'eur' });
      const second = await eventually(() => receiver.received[1]);
      const secondHeader = second.headers['kassa-signature'] as string;
      expect(secondHeader.match(/v1=/g)).toHaveLength(1);
      await verify(second.body, secondHeader, again.secret as string);
      await expect(verify(second.body, secondHeader, rolled.secret as string)).rejects.toThrow();
    });

    it('two workers share the work: every delivery sent once, fan-out idempotent on redelivery', async () => {
      const receiver = await startReceiver();
      cleanups.push(receiver.close);
      const endpoint = await endpointFor(receiver.url, ['payment_intent.created']);
      await startWorker();
      await startWorker();
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          kassa().paymentIntents.create({ amount: 1_000 + i, currency: 'eur' }),
        ),
      );
      await eventually(async () => {
        const rows = await deliveriesOf(endpoint.id);
        return rows.length === 20 && rows.every((r) => r.status === 'succeeded');
      });
      const ids = receiver.events().map((e) => e.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      const objects = receiver
        .events()
        .map((e) => (e as unknown as { data: { object: { id: string } } }).data.object.id);
      expect(new Set(objects)).toEqual(new Set(created.map((p) => p.id)));

      // The bus redelivers an event (at least once): no second delivery is owed.
      const { rows } = await db.current.pool.query('SELECT * FROM ledger_events WHERE id = $1', [
        ids[0],
      ]);
      const row = rows[0];
      const again = await fanOut(db.current.pool, {
        ...row,
        merchantId: row.merchant_id,
        occurredAt: row.occurred_at,
        position: row.position,
        partitionKey: row.merchant_id,
      });
      expect(again).toBe(0);
    });
  });

  return harness;
}
