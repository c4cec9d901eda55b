import { Kassa } from '@kassa/sdk';
import { newMerchant } from '@kassa/testing';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/webhooks/index.ts';
import { webhookDeliverySuite } from './delivery-suite.ts';

// The webhooks worker on the PostgreSQL log (the same delivery tests run on Kafka in
// webhooks-kafka.test.ts), and the webhook endpoints API.
const { db, env, kassa } = webhookDeliverySuite('postgres');

describe('webhook endpoints API', () => {
  it('create, retrieve, update, list, delete; the secret only on create and roll', async () => {
    const k = kassa();
    const created = await k.webhookEndpoints.create(
      {
        url: 'https://merchant.example/hooks',
        enabled_events: ['payment_intent.succeeded', 'refund.*'],
        description: 'orders',
        metadata: { team: 'payments' },
      },
      { idempotencyKey: 'we-create-1' },
    );
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      enabled_events: ['payment_intent.succeeded', 'refund.*'],
      livemode: false,
    });
    // An idempotent replay answers the same endpoint, secret included (derived, not stored).
    const replay = await k.webhookEndpoints.create(
      {
        url: 'https://merchant.example/hooks',
        enabled_events: ['payment_intent.succeeded', 'refund.*'],
        description: 'orders',
        metadata: { team: 'payments' },
      },
      { idempotencyKey: 'we-create-1' },
    );
    expect(replay).toEqual(created);
    const retrieved = await k.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    expect(retrieved).toEqual({ ...created, secret: undefined });
    const updated = await k.webhookEndpoints.update(created.id, {
      url: 'https://merchant.example/hooks/v2',
      description: null,
    });
    expect(updated).toMatchObject({ url: 'https://merchant.example/hooks/v2', description: null });
    expect((await k.webhookEndpoints.list({ limit: 100 })).data.map((e) => e.id)).toContain(
      created.id,
    );
    // Nowhere in the database is the secret.
    const dump = await db.current.pool.query(
      `SELECT (SELECT json_agg(w) FROM webhook_endpoints w)::text AS endpoints,
              (SELECT json_agg(k) FROM api_idempotency_keys k)::text AS keys`,
    );
    expect(JSON.stringify(dump.rows)).not.toContain(created.secret);

    expect(await k.webhookEndpoints.del(created.id)).toEqual({
      id: created.id,
      object: 'webhook_endpoint',
      deleted: true,
    });
    await expect(k.webhookEndpoints.retrieve(created.id)).rejects.toMatchObject({
      code: 'resource_missing',
      statusCode: 404,
    });
  });

  it('refuses bad input with a code and the parameter; live endpoints need public https', async () => {
    const k = kassa();
    const cases: Array<[unknown, string]> = [
      [{ url: 'ftp://x.example', enabled_events: ['*'] }, 'url'],
      [{ url: 'https://x.example', enabled_events: [] }, 'enabled_events'],
      [{ url: 'https://x.example', enabled_events: ['payment_intent.nope'] }, 'enabled_events.0'],
    ];
    for (const [params, param] of cases) {
      await expect(k.webhookEndpoints.create(params as never)).rejects.toMatchObject({
        type: 'invalid_request_error',
        param,
      });
    }
    const live = new Kassa(env.merchant.liveSecretKey, { baseUrl: env.base });
    for (const url of [
      'http://merchant.example/hooks',
      'https://127.0.0.1/hooks',
      'https://localhost/x',
      'https://hooks.internal/x',
      'https://0x7f000001/x', // 127.0.0.1 once the URL is parsed
      'https://100.64.1.1/x',
      'https://[::ffff:10.0.0.5]/x',
      'https://[fd00:ec2::254]/latest',
    ]) {
      await expect(
        live.webhookEndpoints.create({ url, enabled_events: ['*'] }),
      ).rejects.toMatchObject({ code: 'url_invalid', param: 'url' });
    }
    // The same classifier as the worker's, so the refusal names the same class.
    await expect(
      live.webhookEndpoints.create({
        url: 'https://169.254.169.254/latest/meta-data',
        enabled_events: ['*'],
      }),
    ).rejects.toThrow('(169.254.169.254 is metadata)');
    const ok = await live.webhookEndpoints.create({
      url: 'https://merchant.example/hooks',
      enabled_events: ['*'],
    });
    expect(ok.livemode).toBe(true);
    // Another merchant's endpoint is not found, in either mode.
    const other = await newMerchant(db.current);
    await expect(
      new Kassa(other.secretKey, { baseUrl: env.base }).webhookEndpoints.retrieve(ok.id),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(kassa().webhookEndpoints.retrieve(ok.id)).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    const max = (n: number) => retryDelayMs(n, 10_000, 21_600_000, () => 0.999_999);
    const min = (n: number) => retryDelayMs(n, 10_000, 21_600_000, () => 0);
    expect([1, 2, 3, 4].map(max)).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect([1, 2, 3, 4].map(min)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(max(30)).toBeLessThanOrEqual(21_600_000);
    expect(max(30)).toBeGreaterThan(21_599_000);
    expect(min(30)).toBe(10_800_000);
  });
});
