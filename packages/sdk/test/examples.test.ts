import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useApiProcess } from '@kassa/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { Kassa } from '../src/index.ts';

// The examples in examples/ run as a merchant runs them: processes of their own, over HTTP.
const tsx = createRequire(import.meta.url).resolve('tsx');
const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const { env, browser } = useApiProcess();
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

/** A card tokenized by the checkout (as a shopper's browser would), for the merchant to use. */
async function tokenizedCard(number: string) {
  const kassa = new Kassa(env.merchant.secretKey, { baseUrl: env.base });
  const payment = await kassa.paymentIntents.create({ amount: 100, currency: 'eur' });
  const pm = await browser<{ id: string }>('checkout.paymentMethods.create', {
    client_secret: payment.client_secret,
    type: 'card',
    card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 5 },
  });
  return pm.body.id;
}

const runExample = async (name: string, extra: Record<string, string>) => {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', tsx, example(name)],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          KASSA_SECRET_KEY: env.merchant.secretKey,
          KASSA_API_URL: env.base,
          ...extra,
        },
      },
    );
    return { code: 0, output: JSON.parse(stdout.trim().split('\n').pop() ?? '{}') };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: JSON.parse(failed.stdout.trim() || '{}') };
  }
};

describe('examples/take-a-payment.ts', () => {
  it('creates, confirms, captures part, refunds part, and lists what happened', async () => {
    const card = await tokenizedCard('4242424242424242');
    const result = await runExample('take-a-payment.ts', {
      PAYMENT_METHOD: card,
      ORDER_ID: 'order-example-1',
    });
    expect(result.code).toBe(0);
    expect(result.output).toMatchObject({
      order: 'order-example-1',
      status: 'succeeded',
      amount_received: 3_990,
      refund: { status: 'succeeded', amount: 1_000 },
    });
    expect(result.output.events).toEqual(
      expect.arrayContaining([
        'payment_intent.created',
        'payment_intent.amount_capturable_updated',
        'payment_intent.succeeded',
        'charge.refunded',
      ]),
    );
    // Run again after a "crash": the idempotency keys replay, nothing is charged twice.
    const again = await runExample('take-a-payment.ts', {
      PAYMENT_METHOD: card,
      ORDER_ID: 'order-example-1',
    });
    expect(again.output.payment).toBe(result.output.payment);
    expect(again.output.refund.id).toBe(result.output.refund.id);
  });

  it('reports a declined card and exits 2', async () => {
    const result = await runExample('take-a-payment.ts', {
      PAYMENT_METHOD: await tokenizedCard('4000000000009995'),
      ORDER_ID: 'order-example-declined',
    });
    expect(result).toEqual({
      code: 2,
      output: { order: 'order-example-declined', declined: 'insufficient_funds' },
    });
  });
});

describe('examples/webhook-receiver.ts', () => {
  it('answers 200 to a signed delivery, 400 to a forged or stale one', async () => {
    const secret = 'whsec_example_0123456789';
    const child = spawn(process.execPath, ['--import', tsx, example('webhook-receiver.ts')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        KASSA_WEBHOOK_SECRET: secret,
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    const { listening: port } = JSON.parse(first.toString()) as { listening: number };
    const url = `http://127.0.0.1:${port}/webhooks/kassa`;

    const body = JSON.stringify({
      id: 'evt_example_1',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_1', metadata: { order: '1042' } } },
    });
    const sign = (t: number, key = secret) =>
      `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
    const now = Math.floor(Date.now() / 1000);
    const post = (signature: string) =>
      fetch(url, { method: 'POST', body, headers: { 'kassa-signature': signature } });

    expect((await post(sign(now))).status).toBe(200);
    expect((await post(sign(now, 'whsec_wrong'))).status).toBe(400);
    expect((await post(sign(now - 3_600))).status).toBe(400);
    const forged = await post('t=1,v1=00');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: expect.stringContaining('malformed') });
  });
});
