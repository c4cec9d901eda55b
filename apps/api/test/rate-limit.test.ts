import { useTestDatabase } from '@kassa/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, newMerchant, startApi } from './support.ts';

const db = useTestDatabase();
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  ({ app, base } = await startApi(db.current, {}, { rateLimit: 5 }));
});

afterAll(async () => {
  await app.close();
});

describe('rate limiting', () => {
  it('answers 429 rate_limit_error with Retry-After past the per-key limit; other keys go on', async () => {
    const a = await newMerchant(db.current);
    const b = await newMerchant(db.current);
    const callA = client(base, a.secretKey);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => callA('paymentIntents.list', {}, { query: true })),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    for (const r of limited) {
      expect(r.error).toMatchObject({
        type: 'rate_limit_error',
        code: 'rate_limit',
        request_id: expect.stringMatching(/^req_/),
      });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const other = await client(base, b.secretKey)('paymentIntents.list', {}, { query: true });
    expect(other.status).toBe(200);
    // Health probes are never limited.
    const probes = await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/healthz`)));
    expect(probes.every((p) => p.status === 200)).toBe(true);
    // After the window, the key may call again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await callA('paymentIntents.list', {}, { query: true })).status).toBe(200);
  });

  it('limits the sign-in procedures per client address per minute, whatever the account', async () => {
    const api = await startApi(db.current, {}, { authPerMinute: 4 });
    try {
      const call = client(api.base);
      const results = [];
      for (const email of [
        'a@x.example',
        'b@x.example',
        'c@x.example',
        'd@x.example',
        'e@x.example',
      ])
        results.push(await call('auth.requestPasswordReset', { email }));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 429]);
      expect(results[4]?.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit' });
      expect(Number(results[4]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // In a batch too; other procedures are not counted against it.
      const batched = await fetch(`${api.base}/trpc/auth.invitation,dashboard.session?batch=1`);
      expect(batched.status).toBe(429);
      expect((await call('dashboard.session', {}, { query: true })).status).toBe(401);
    } finally {
      await api.app.close();
    }
  });
});
