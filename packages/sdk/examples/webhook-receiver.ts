// A webhook endpoint with @kassa/sdk: verify the signature on the raw body, then act on the
// event, once (deliveries are at least once: remember what was handled).
//
//   KASSA_WEBHOOK_SECRET=whsec_… PORT=4242 npx tsx webhook-receiver.ts
import { createServer } from 'node:http';
import Kassa, { KassaSignatureVerificationError } from '@kassa/sdk';

// Verifying webhooks needs no API key; the client is only used for its helpers here.
const kassa = new Kassa(process.env.KASSA_SECRET_KEY ?? 'sk_test_webhooks_only');
const secret = process.env.KASSA_WEBHOOK_SECRET ?? '';
const handled = new Set<string>(); // in a real app: a table with a unique event id

const server = createServer(async (request, response) => {
  if (request.method !== 'POST' || request.url !== '/webhooks/kassa') {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks); // the body exactly as sent: never re-serialize it
  try {
    const event = await kassa.webhooks.constructEvent(
      rawBody,
      request.headers['kassa-signature'] as string | undefined,
      secret,
    );
    if (!handled.has(event.id)) {
      handled.add(event.id);
      if (event.type === 'payment_intent.succeeded') {
        // fulfil the order in event.data.object.metadata.order
      }
    }
    console.log(JSON.stringify({ received: event.id, type: event.type }));
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
  } catch (error) {
    if (!(error instanceof KassaSignatureVerificationError)) throw error;
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: error.message }));
  }
});

server.listen(Number(process.env.PORT ?? 4242), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ listening: typeof address === 'object' && address?.port }));
});
process.on('SIGTERM', () => server.close());
