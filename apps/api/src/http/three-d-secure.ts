import {
  clientSecretFor,
  confirmStep,
  KassaApiError,
  loadAttempt,
  loadPaymentIntent,
  type PaymentsServices,
  runAcquirerMutation,
  systemContext,
} from '@kassa/payments';
import type { FastifyInstance } from 'fastify';

const ATTEMPT_ID = /^pa_[0-9A-Za-z]{24}$/;

const page = (title: string, text: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:420px;margin:64px auto;padding:0 16px;color:#1a1f36}</style>
</head><body><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Where the issuer sends the shopper back after 3-D Secure (the acquirer was given this URL).
 * It brings the payment up to date from the acquirer at once — so the payment is settled even
 * if the shopper never reaches the merchant's page — then redirects to the merchant's
 * `return_url` with `payment_intent`, `payment_intent_client_secret` and `redirect_status`.
 * It needs no key: the attempt id is unguessable, and all it can do is ask the acquirer about
 * that attempt's challenge, and only while the attempt waits for it (confirmStep's
 * `challengeOf`): never confirm anything else. It redirects only to the `return_url` given at
 * that confirmation, and only to http(s). Each client address gets `perMinute` calls.
 */
export function registerThreeDSecureReturn(
  app: FastifyInstance,
  services: PaymentsServices,
  options: { perMinute: number },
): void {
  app.get<{ Params: { attemptId: string } }>(
    '/v1/3ds/return/:attemptId',
    {
      config: {
        rateLimit: {
          max: options.perMinute,
          timeWindow: 60_000,
          keyGenerator: (request) => `3ds:${request.ip}`,
        },
      },
    },
    async (request, reply) => {
      reply
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        )
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff');
      const attempt = ATTEMPT_ID.test(request.params.attemptId)
        ? await loadAttempt(services.db.pool, request.params.attemptId)
        : undefined;
      if (attempt?.kind !== 'authorize') {
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(page('Payment not found', 'This link does not belong to a payment.'));
      }
      const ctx = systemContext(
        services,
        { merchantId: attempt.merchant_id, livemode: attempt.livemode },
        'acquirer:3ds_return',
        request.log,
        request.id,
      );
      try {
        await runAcquirerMutation(
          ctx,
          '3ds.return',
          { attempt: attempt.id },
          confirmStep(
            ctx,
            {
              paymentIntentId: attempt.payment_intent_id,
              checkout: false,
              challengeOf: attempt.id,
            },
            (row) => row,
          ),
        );
      } catch (error) {
        // A failed challenge is a card error on the payment; anything else leaves it for a retry.
        if (!(error instanceof KassaApiError)) throw error;
      }
      const row = await loadPaymentIntent(
        services.db.pool,
        ctx.principal,
        attempt.payment_intent_id,
      );
      const status =
        row.status === 'succeeded' || row.status === 'requires_capture'
          ? 'succeeded'
          : row.status === 'requires_payment_method'
            ? 'failed'
            : row.status;
      const back = attempt.return_url ? new URL(attempt.return_url) : undefined;
      if (back) {
        // Validated at confirm (zod); asserted again, for the row could come from anywhere.
        if (back.protocol !== 'https:' && back.protocol !== 'http:') {
          throw new Error(`attempt ${attempt.id} has a return_url that is not http(s)`);
        }
        back.searchParams.set('payment_intent', row.id);
        back.searchParams.set(
          'payment_intent_client_secret',
          clientSecretFor(services.clientSecretKey, row.id),
        );
        back.searchParams.set('redirect_status', status);
        return reply.redirect(back.toString(), 303);
      }
      return reply
        .type('text/html; charset=utf-8')
        .send(
          status === 'succeeded'
            ? page('Payment authenticated', 'You can close this window and return to the shop.')
            : page('Payment not completed', 'You can close this window and return to the shop.'),
        );
    },
  );
}
