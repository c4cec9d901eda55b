import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dashboardCaller,
  dashboardUser,
  newMerchant,
  startWebhooksWorker,
  usePaymentsApi,
} from './support.ts';

// The dashboard's webhook pages through the API: endpoints, the delivery log with each attempt's
// request and response (written by the real webhooks worker process, delivering over HTTP to a
// receiver here), resending one delivery and every failed one since a time.

const { db, env, call } = usePaymentsApi({ background: true });
let worker: Awaited<ReturnType<typeof startWebhooksWorker>>;
let dev: ReturnType<typeof dashboardCaller>;

/** The merchant's endpoint: answers `status` (and says so in its body) to every delivery. */
const receiver = { status: 500, bodies: [] as string[], url: '' };
const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  receiver.bodies.push(Buffer.concat(chunks).toString('utf8'));
  response
    .writeHead(receiver.status, { 'content-type': 'text/plain', 'x-receiver': 'test' })
    .end(receiver.status === 200 ? 'thanks' : 'not now');
});

/** Polls until `check` holds: the worker delivers on its own time. */
async function until<T>(check: () => Promise<T | false | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await sleep(50);
  }
}

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  event: string;
}
interface Detail extends Delivery {
  request_body: string;
  attempt_log: Array<{
    attempt: number;
    request: { url: string; headers: Record<string, string> };
    response: { status: number; headers: Record<string, string>; body: string } | null;
    succeeded: boolean;
  }>;
}

const deliveries = async (endpoint: string) =>
  (await dev<{ data: Delivery[] }>('webhookDeliveries.list', { endpoint }, { query: true })).body
    .data;

let endpointId: string;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  worker = await startWebhooksWorker(db.current);
  const user = await dashboardUser(db.current, 'dev@hooks.example', [
    [env.merchant.merchantId, 'developer'],
  ]);
  dev = dashboardCaller(env.base, user.cookie, env.merchant.merchantId);
});

afterAll(async () => {
  await worker?.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('webhook endpoints and their delivery log', () => {
  it('logs every attempt with its request and response; a resend makes one more attempt', async () => {
    const created = await dev<{ id: string; secret: string; url: string }>(
      'webhookEndpoints.create',
      { url: receiver.url, enabled_events: ['payment_intent.created'] },
      { idempotencyKey: 'create-endpoint' },
    );
    expect(created.status).toBe(200);
    expect(created.body.secret).toMatch(/^whsec_/);
    endpointId = created.body.id;
    const listed = await dev<{ data: Array<{ id: string; secret?: string }> }>(
      'webhookEndpoints.list',
      {},
      { query: true },
    );
    expect(listed.body.data.map((e) => [e.id, e.secret])).toEqual([[endpointId, undefined]]);

    await call('paymentIntents.create', { amount: 1_200, currency: 'eur' });
    // The worker tries twice (WEBHOOK_MAX_ATTEMPTS=2), gets 500 both times, and gives up.
    const [dead] = await until(async () => {
      const rows = await deliveries(endpointId);
      return rows[0]?.status === 'dead' && rows;
    });
    expect(dead).toMatchObject({ attempts: 2 });
    const detail = await dev<Detail>(
      'webhookDeliveries.retrieve',
      { id: dead?.id },
      { query: true },
    );
    expect(
      detail.body.attempt_log.map((a) => [a.attempt, a.response?.status, a.succeeded]),
    ).toEqual([
      [1, 500, false],
      [2, 500, false],
    ]);
    const [first] = detail.body.attempt_log;
    expect(first?.request.url).toBe(receiver.url);
    expect(first?.request.headers['kassa-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(first?.response).toMatchObject({
      body: 'not now',
      headers: { 'content-type': 'text/plain', 'x-receiver': 'test' },
    });
    // The body of every attempt is the event as sent, byte for byte.
    expect(receiver.bodies[0]).toBe(detail.body.request_body);
    expect(JSON.parse(detail.body.request_body)).toMatchObject({
      id: dead?.event,
      type: 'payment_intent.created',
    });

    receiver.status = 200;
    const resent = await dev<Delivery>('webhookDeliveries.resend', { id: dead?.id });
    expect(resent.body.status).toBe('pending');
    const done = await until(async () => {
      const rows = await deliveries(endpointId);
      return rows[0]?.status === 'succeeded' && rows[0];
    });
    expect(done.attempts).toBe(3);
    const after = await dev<Detail>(
      'webhookDeliveries.retrieve',
      { id: dead?.id },
      { query: true },
    );
    expect(after.body.attempt_log.map((a) => [a.attempt, a.response?.body, a.succeeded])).toEqual([
      [1, 'not now', false],
      [2, 'not now', false],
      [3, 'thanks', true],
    ]);
    expect(receiver.bodies).toHaveLength(3);
  });

  it('resends every failed delivery since a time; not to a disabled endpoint; not another merchant’s', async () => {
    receiver.status = 503;
    const before = Math.floor(Date.now() / 1000) - 1;
    await call('paymentIntents.create', { amount: 1_300, currency: 'eur' });
    await call('paymentIntents.create', { amount: 1_400, currency: 'eur' });
    await until(async () => {
      const rows = await deliveries(endpointId);
      return rows.filter((r) => r.status === 'dead').length === 2 && rows;
    });
    const { body: later } = await dev<{ resent: number }>('webhookDeliveries.resendFailed', {
      endpoint: endpointId,
      since: Math.floor(Date.now() / 1000) + 3_600,
    });
    expect(later.resent).toBe(0);

    // Disabled, the endpoint gets nothing resent.
    await dev(
      'webhookEndpoints.update',
      { id: endpointId, disabled: true },
      { idempotencyKey: 'off' },
    );
    const refused = await dev('webhookDeliveries.resendFailed', {
      endpoint: endpointId,
      since: before,
    });
    expect(refused.error).toMatchObject({ code: 'endpoint_disabled', param: 'endpoint' });
    await dev(
      'webhookEndpoints.update',
      { id: endpointId, disabled: false },
      { idempotencyKey: 'on' },
    );

    receiver.status = 200;
    const { body } = await dev<{ resent: number }>('webhookDeliveries.resendFailed', {
      endpoint: endpointId,
      since: before,
    });
    expect(body.resent).toBe(2);
    const rows = await until(async () => {
      const all = await deliveries(endpointId);
      return all.every((r) => r.status === 'succeeded') && all;
    });
    expect(rows).toHaveLength(3);
    // A succeeded delivery can be resent too (one more attempt); a pending one cannot.
    await db.current.pool.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() + interval '1 hour'
        WHERE id = $1`,
      [rows[0]?.id],
    );
    expect((await dev('webhookDeliveries.resend', { id: rows[0]?.id })).error).toMatchObject({
      code: 'delivery_pending',
    });

    // Another merchant's member finds neither the endpoint nor its deliveries.
    const other = await newMerchant(db.current);
    const stranger = await dashboardUser(db.current, 'stranger@hooks.example', [
      [other.merchantId, 'owner'],
    ]);
    const as = dashboardCaller(env.base, stranger.cookie, other.merchantId);
    expect(
      (await as('webhookDeliveries.retrieve', { id: rows[1]?.id }, { query: true })).status,
    ).toBe(404);
    expect((await as('webhookDeliveries.resend', { id: rows[1]?.id })).status).toBe(404);
    const theirs = await as<{ data: Delivery[] }>(
      'webhookDeliveries.list',
      { endpoint: endpointId },
      { query: true },
    );
    expect(theirs.body.data).toEqual([]);
    expect(
      (await as('webhookEndpoints.retrieve', { id: endpointId }, { query: true })).status,
    ).toBe(404);
  });
});
