import { createTestDatabase, type TestDatabase } from '@kassa/db/testing';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppRouter, buildApiServer } from '../src/index.ts';
import { testServices } from './support.ts';

let db: TestDatabase;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildApiServer({ db, ...testServices() });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('API over HTTP', () => {
  it('GET /healthz answers while the process is up', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when the database answers and is migrated', async () => {
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
  });

  it('GET /readyz is 503 and names the pending migrations when the database is behind', async () => {
    const empty = await createTestDatabase({ migrated: false });
    const behind = await buildApiServer({ db: empty, ...testServices() });
    try {
      const response = await behind.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.status).toBe('unavailable');
      expect(body.checks.database).toEqual({ ok: true });
      expect(body.checks.migrations.ok).toBe(false);
      expect(body.checks.migrations.pending[0]).toMatch(/^\d{14}_init$/);
    } finally {
      await behind.close();
      await empty.drop();
    }
  });

  it('gives every response a request id, keeping a well-formed incoming one', async () => {
    const generated = await fetch(`${base}/healthz`);
    expect(generated.headers.get('request-id')).toMatch(/^req_[A-Za-z0-9_-]{16}$/);

    const kept = await fetch(`${base}/healthz`, {
      headers: { 'x-request-id': 'lb-2f1c9a7e-0001' },
    });
    expect(kept.headers.get('request-id')).toBe('lb-2f1c9a7e-0001');

    const injected = await fetch(`${base}/healthz`, {
      headers: { 'x-request-id': 'evil id <script>' },
    });
    expect(injected.headers.get('request-id')).toMatch(/^req_/);
  });

  it('serves tRPC procedures to a real tRPC client', async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${base}/trpc` })] });
    const pong = await client.system.ping.query();
    expect(pong.ok).toBe(true);
    expect(pong.requestId).toMatch(/^req_/);
  });

  it('answers unknown routes with 404, not 500', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/trpc/system.nope`)).status).toBe(404);
  });
});
