import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * The hosted checkout runs on its own origin (CHECKOUT_URL) and its page calls the API from the
 * shopper's browser, so the card goes straight to the API. Only the checkout procedures answer
 * cross-origin requests, and only from that origin; every other route sends no CORS headers, so
 * browsers keep other sites (and the checkout) away from the merchant API.
 */
export async function registerCheckoutCors(app: FastifyInstance, checkoutUrl: string) {
  const origin = new URL(checkoutUrl).origin;
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => {
      if ((request.url ?? '').startsWith('/trpc/checkout.')) {
        callback(null, {
          origin,
          methods: ['GET', 'POST'],
          allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'kassa-version'],
          exposedHeaders: ['request-id', 'idempotent-replayed', 'kassa-version'],
          maxAge: 600,
        });
      } else {
        callback(null, { origin: false });
      }
    },
  });
}
