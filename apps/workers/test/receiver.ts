import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Answer = number | 'hang' | { status: number; headers: Record<string, string> };

/**
 * A merchant's webhook endpoint over real HTTP: records every connection and delivery (raw body
 * and headers) and answers with what `answer` says (a status, a status with headers, or 'hang' to
 * never answer). It listens on 127.0.0.1 unless told another interface (`::` takes IPv4 and IPv6
 * on every local address) and on a free port unless told one.
 */
export async function startReceiver(
  answer: (delivery: ReceivedDelivery, index: number) => Answer = () => 200,
  listen: { host?: string; port?: number } = {},
) {
  const received: ReceivedDelivery[] = [];
  const connections: string[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const delivery = {
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    received.push(delivery);
    const answered = answer(delivery, received.length - 1);
    if (answered === 'hang') return;
    const { status, headers } =
      typeof answered === 'number' ? { status: answered, headers: {} } : answered;
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}');
  });
  server.on('connection', (socket) => connections.push(socket.remoteAddress ?? '?'));
  const host = listen.host ?? '127.0.0.1';
  server.listen(listen.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/webhooks`,
    port,
    received,
    /** The remote address of every connection made to it, delivery or not. */
    connections,
    events: () => received.map((d) => JSON.parse(d.body) as { id: string; type: string }),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns something truthy (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 30_000,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
