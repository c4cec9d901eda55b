import { newId } from '@kassa/contracts';
import { issueApiKey } from '@kassa/db';
import type { TestDatabase } from '@kassa/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../src/index.ts';

/** The KASSA_SECRET_KEY API tests run with. */
export const TEST_SECRET_KEY = 'test-secret-key-for-kassa-api-tests-0123456789';

/** The real API on a free port, over the test database. */
export async function startApi(db: TestDatabase): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildApiServer({ db, secretKey: TEST_SECRET_KEY });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base };
}

/** A merchant of its own, with a secret and a publishable test key (and a live secret key). */
export async function newMerchant(db: TestDatabase) {
  const merchant = await db.prisma.merchant.create({
    data: { id: newId('merchant'), name: 'Test merchant' },
  });
  const key = (kind: 'secret' | 'publishable', mode: 'test' | 'live') =>
    issueApiKey(db.prisma, { merchantId: merchant.id, kind, mode }).then((k) => k.secret);
  return {
    merchantId: merchant.id,
    secretKey: await key('secret', 'test'),
    publishableKey: await key('publishable', 'test'),
    liveSecretKey: await key('secret', 'live'),
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The procedure's result, or Kassa's error object. */
  body: T;
  error?: {
    type: string;
    code: string;
    message: string;
    param?: string;
    decline_code?: string;
    request_id: string;
  };
}

/**
 * Calls a procedure the way any HTTP client would, without the tRPC client: POST for mutations,
 * GET with ?input= for queries.
 */
export function client(base: string, apiKey?: string) {
  return async function call<T = Record<string, unknown>>(
    path: string,
    input: unknown,
    options: { query?: boolean; idempotencyKey?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const response = options.query
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        })
      : await fetch(`${base}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
    const json = (await response.json()) as {
      result?: { data: T };
      error?: { data: ApiResponse['error'] & object };
    };
    return {
      status: response.status,
      headers: response.headers,
      body: json.result?.data as T,
      error: json.error?.data,
    };
  };
}
