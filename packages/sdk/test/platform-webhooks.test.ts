import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@kassa/db/testing';
import { startWebhooksWorker, useApiProcess } from '@kassa/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { Kassa } from '../src/index.ts';

// Deliveries signed by the platform itself: the webhooks worker process (apps/workers, started
// as `kassa dev` starts it) sends the events of a real payment to the SDK's example receiver
// (examples/webhook-receiver.ts, its own process), which verifies them with constructEvent and
// the secret webhookEndpoints.create returned.
const { db, env, browser } = useApiProcess();
const tsx = createRequire(import.meta.url).resolve('tsx');
const receiverPath = fileURLToPath(new URL('../examples/webhook-receiver.ts', import.meta.url));
const stops: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function startExampleReceiver(secret: string, port: number) {
  const child: ChildProcess = spawn(process.execPath, ['--import', tsx, receiverPath], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      KASSA_WEBHOOK_SECRET: secret,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(() => child.kill('SIGTERM'));
  const lines: Array<Record<string, unknown>> = [];
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  reader.on('line', (line) => lines.push(JSON.parse(line)));
  await once(reader, 'line');
  return lines;
}

describe('webhooks signed by the platform', () => {
  it('the example receiver verifies every delivery of a payment with the endpoint secret', async () => {
    const kassa = new Kassa(env.merchant.secretKey, { baseUrl: env.base });
    const port = await freePort();
    const endpoint = await kassa.webhookEndpoints.create({
      url: `http://127.0.0.1:${port}/webhooks/kassa`,
      enabled_events: ['payment_intent.*'],
    });
    const received = await startExampleReceiver(endpoint.secret as string, port);

    const worker = await startWebhooksWorker(db.current);
    stops.push(() => worker.stop());

    const payment = await kassa.paymentIntents.create({ amount: 4_200, currency: 'eur' });
    await browser('checkout.paymentIntents.confirm', {
      client_secret: payment.client_secret,
      payment_method_data: {
        type: 'card',
        card: {
          number: '4242424242424242',
          exp_month: 12,
          exp_year: new Date().getUTCFullYear() + 5,
          cvc: '123',
        },
      },
    });

    // Both events delivered and both deliveries recorded (the receiver prints its line before
    // it answers, and deliveries are not ordered across events).
    const deadline = Date.now() + 30_000;
    const delivered = async () => {
      const { rows } = await db.current.pool.query(
        `SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND status <> 'pending'`,
        [endpoint.id],
      );
      return received.filter((line) => 'received' in line).length >= 2 && rows.length >= 2;
    };
    while (!(await delivered())) {
      if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(received)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const events = await kassa.events.list({ type: 'payment_intent.*', limit: 10 });
    // Every event of the payment reached it (deliveries are not ordered across events).
    expect(
      received
        .filter((line) => 'received' in line)
        .map((line) => line.received)
        .sort(),
    ).toEqual(events.data.map((event) => event.id).sort());
    // The receiver answered 200 to each: it verified the signature on the first attempt.
    const { rows } = await db.current.pool.query(
      'SELECT status, attempts, last_response_status FROM webhook_deliveries WHERE endpoint_id = $1',
      [endpoint.id],
    );
    expect(rows).toEqual(
      rows.map(() => ({ status: 'succeeded', attempts: 1, last_response_status: 200 })),
    );
    expect(rows).toHaveLength(2);
  });
});
