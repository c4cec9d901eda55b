import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago, chosen below the OS's ephemeral range (32768+ on
 * Linux): a client connecting to an ephemeral-range port before anything listens there can be
 * given that same port as its own, connect to itself, and keep the port busy for a minute.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

/** Two adjacent free ports, `port` and `port + 1` (a Kafka broker and its controller). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await freePort();
    if (await canListen(port + 1)) return port;
  }
  throw new Error('no two adjacent free ports found between 20000 and 32000');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
