import { once } from 'node:events';
import net from 'node:net';

/**
 * A TCP proxy in front of the API that can lose answers: while `dropNext` is above zero, the
 * next response from the API is swallowed and both connections are cut, after the API received
 * and processed the request. The client sees a dropped connection, not an error status.
 */
export async function startFaultProxy(target: string) {
  const { hostname, port } = new URL(target);
  const state = { dropNext: 0, dropped: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (state.dropNext > 0) {
        state.dropNext -= 1;
        state.dropped += 1;
        cut();
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        sockets.delete(socket);
        cut();
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    state,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
