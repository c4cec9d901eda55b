import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import { Kassa } from '@kassa/sdk';
import { newMerchant } from '@kassa/testing';
import { describe, expect, it } from 'vitest';
import { type ResolveHost, systemResolver } from '../src/webhooks/index.ts';
import { useWebhooksHarness } from './harness.ts';
import { eventually, startReceiver } from './receiver.ts';

// Where deliveries may go (SSRF): the worker resolves an endpoint's host when it delivers,
// refuses any address that is not public, and connects to exactly the address it vetted. Names
// are resolved by injected resolvers, so `hooks.example.com` can answer private addresses; the
// receivers are real HTTP servers, so a connection that should not happen would be seen.
const { db, env, cleanups, startWorker, endpointFor, deliveriesOf } = useWebhooksHarness();

/** A merchant of its own per test: no endpoint of another test is owed its events. */
async function freshMerchant() {
  const merchant = await newMerchant(db.current);
  return new Kassa(merchant.secretKey, { baseUrl: env.base, maxNetworkRetries: 0 });
}

/** A resolver that answers what `answer` says and remembers every name it was asked. */
function resolver(answer: (hostname: string, call: number) => Promise<readonly string[]>) {
  const asked: string[] = [];
  const resolveHost: ResolveHost = (hostname) => {
    asked.push(hostname);
    return answer(hostname, asked.length);
  };
  return { asked, resolveHost };
}

/** The endpoint's deliveries once `count` of them exist and none is pending any more. */
function settled(endpointId: string, count = 1) {
  return eventually(async () => {
    const rows = await deliveriesOf(endpointId);
    return rows.length === count && rows.every((row) => row.status !== 'pending') && rows;
  });
}

describe('where deliveries may go', () => {
  it('refuses a name that resolves to any address that is not public: recorded, never connected', async () => {
    // On every local address, IPv4 and IPv6: a connection to a loopback or unspecified answer
    // would reach it.
    const receiver = await startReceiver(() => 200, { host: '::' });
    cleanups.push(receiver.close);
    const cases: Array<[string[], string]> = [
      [['10.0.0.5'], '10.0.0.5 is private'],
      [['169.254.169.254'], '169.254.169.254 is metadata'],
      [['100.64.1.1'], '100.64.1.1 is carrier-grade-nat'],
      [['::1'], '::1 is loopback'],
      [['fd00::1'], 'fd00::1 is unique-local'],
      [['::ffff:127.0.0.1'], '::ffff:127.0.0.1 is loopback'],
      [['0.0.0.0'], '0.0.0.0 is unspecified'],
      [['fd00:ec2::254'], 'fd00:ec2::254 is metadata'],
      // One bad address among good ones refuses the name: no picking the public one.
      [['93.184.215.14', '10.0.0.5'], '10.0.0.5 is private'],
    ];
    let answer: string[] = [];
    const dns = resolver(async () => answer);
    await startWorker({ resolveHost: dns.resolveHost, allowPrivateHosts: [], maxAttempts: 1 });
    const k = await freshMerchant();
    const endpoint = await endpointFor(
      `http://hooks.example.com:${receiver.port}/webhooks`,
      ['payment_intent.created'],
      k,
    );

    for (const [index, [addresses, reason]] of cases.entries()) {
      answer = addresses;
      await k.paymentIntents.create({ amount: 100 + index, currency: 'eur' });
      const rows = await settled(endpoint.id, index + 1);
      expect(rows[index]).toMatchObject({
        status: 'dead',
        attempts: 1,
        last_response_status: null,
        last_error: `destination_forbidden: ${reason}`,
      });
    }
    expect(dns.asked).toEqual(cases.map(() => 'hooks.example.com'));
    expect(receiver.connections).toEqual([]);
  });

  it('refuses endpoints written as such addresses, without resolving anything', async () => {
    const receiver = await startReceiver(() => 200, { host: '::' });
    cleanups.push(receiver.close);
    const dns = resolver(async () => {
      throw new Error('no name to resolve here');
    });
    await startWorker({ resolveHost: dns.resolveHost, allowPrivateHosts: [], maxAttempts: 1 });
    const k = await freshMerchant();
    const cases: Array<[string, string]> = [
      [`http://127.0.0.1:${receiver.port}/webhooks`, '127.0.0.1 is loopback'],
      [`http://[::1]:${receiver.port}/webhooks`, '::1 is loopback'],
      // The URL parser writes this one in hex; it is the IPv4 inside that counts.
      [`http://[::ffff:127.0.0.1]:${receiver.port}/webhooks`, '::ffff:7f00:1 is loopback'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is metadata'],
      ['http://10.0.0.5:8080/webhooks', '10.0.0.5 is private'],
    ];
    const endpoints = [];
    for (const [url] of cases)
      endpoints.push(await endpointFor(url, ['payment_intent.created'], k));
    await k.paymentIntents.create({ amount: 200, currency: 'eur' });

    for (const [index, endpoint] of endpoints.entries()) {
      const [row] = await settled(endpoint.id);
      expect(row).toMatchObject({
        status: 'dead',
        last_error: `destination_forbidden: ${cases[index]?.[1]}`,
      });
    }
    expect(dns.asked).toEqual([]);
    expect(receiver.connections).toEqual([]);
  });

  it('connects to the address it checked: a name re-pointed at loopback is not followed', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    // Rebinding: public when the worker looks, loopback if it looks again before connecting.
    const dns = resolver(async (_hostname, call) =>
      call === 1 ? ['93.184.215.14'] : ['127.0.0.1'],
    );
    await startWorker({
      resolveHost: dns.resolveHost,
      allowPrivateHosts: [],
      maxAttempts: 2,
      timeoutMs: 500,
    });
    const k = await freshMerchant();
    const endpoint = await endpointFor(
      `http://hooks.example.com:${receiver.port}/webhooks`,
      ['payment_intent.created'],
      k,
    );
    await k.paymentIntents.create({ amount: 300, currency: 'eur' });

    const [row] = await settled(endpoint.id);
    // Attempt 1 went to the public address it vetted (unreachable from here) and failed;
    // attempt 2 looked again, got loopback and was refused. One lookup per connection.
    expect(row).toMatchObject({
      status: 'dead',
      attempts: 2,
      last_error: 'destination_forbidden: 127.0.0.1 is loopback',
    });
    expect(dns.asked).toEqual(['hooks.example.com', 'hooks.example.com']);
    expect(receiver.connections).toEqual([]);
  });

  it('connects to the address it checked even when the name is allowed', async () => {
    // Two receivers on one port: 127.0.0.1 (the first answer) and ::1 (any later one).
    const checked = await startReceiver();
    const rebound = await startReceiver(() => 200, { host: '::1', port: checked.port });
    cleanups.push(checked.close, rebound.close);
    const dns = resolver(async (_hostname, call) => (call === 1 ? ['127.0.0.1'] : ['::1']));
    await startWorker({ resolveHost: dns.resolveHost, allowPrivateHosts: ['hooks.example.com'] });
    const k = await freshMerchant();
    const endpoint = await endpointFor(
      `http://hooks.example.com:${checked.port}/webhooks`,
      ['payment_intent.created'],
      k,
    );
    await k.paymentIntents.create({ amount: 400, currency: 'eur' });

    const [row] = await settled(endpoint.id);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(checked.received).toHaveLength(1);
    // The Host header still names the host, not the address connected to.
    expect(checked.received[0]?.headers.host).toBe(`hooks.example.com:${checked.port}`);
    expect(rebound.connections).toEqual([]);
    expect(dns.asked).toEqual(['hooks.example.com']);
  });

  it('connects over TLS to the vetted address with the host name as SNI', async () => {
    // No certificate: the handshake stops after the client's hello, which carries the name.
    const names: string[] = [];
    const tls = createServer({
      SNICallback: (name, done) => {
        names.push(name);
        done(new Error('no certificate here'), undefined);
      },
    });
    tls.on('tlsClientError', () => {});
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    cleanups.push(() => new Promise((resolve) => tls.close(resolve)));
    const dns = resolver(async () => ['127.0.0.1']);
    await startWorker({
      resolveHost: dns.resolveHost,
      allowPrivateHosts: ['hooks.example.com'],
      maxAttempts: 1,
    });
    const k = await freshMerchant();
    const { port } = tls.address() as AddressInfo;
    const endpoint = await endpointFor(
      `https://hooks.example.com:${port}/webhooks`,
      ['payment_intent.created'],
      k,
    );
    await k.paymentIntents.create({ amount: 500, currency: 'eur' });

    const [row] = await settled(endpoint.id);
    expect(row?.status).toBe('dead');
    expect(names).toEqual(['hooks.example.com']);
    expect(dns.asked).toEqual(['hooks.example.com']);
  });

  it('lets the allowed hosts through, only those, and never to a metadata address', async () => {
    const receiver = await startReceiver(() => 200, { host: '::' });
    cleanups.push(receiver.close);
    const dns = resolver(async (hostname) =>
      hostname === 'metadata.example.com' ? ['169.254.169.254'] : systemResolver(hostname),
    );
    await startWorker({
      resolveHost: dns.resolveHost,
      allowPrivateHosts: ['localhost', 'metadata.example.com'],
      maxAttempts: 1,
    });
    const k = await freshMerchant();
    const [local, literal, metadata] = await Promise.all(
      ['localhost', '127.0.0.1', 'metadata.example.com'].map((host) =>
        endpointFor(`http://${host}:${receiver.port}/webhooks`, ['payment_intent.created'], k),
      ),
    );
    await k.paymentIntents.create({ amount: 600, currency: 'eur' });

    expect((await settled(local?.id as string))[0]).toMatchObject({ status: 'succeeded' });
    // Allowing the name localhost does not allow the address it resolves to.
    expect((await settled(literal?.id as string))[0]).toMatchObject({
      status: 'dead',
      last_error: 'destination_forbidden: 127.0.0.1 is loopback',
    });
    expect((await settled(metadata?.id as string))[0]).toMatchObject({
      status: 'dead',
      last_error: 'destination_forbidden: 169.254.169.254 is metadata',
    });
    expect(receiver.received.map((d) => d.headers.host)).toEqual([`localhost:${receiver.port}`]);
  });

  it('does not follow redirects: a 3xx is a failed attempt and its target is never asked', async () => {
    const target = await startReceiver();
    const found = await startReceiver(() => ({ status: 302, headers: { location: target.url } }));
    const temporary = await startReceiver(() => ({
      status: 307,
      headers: { location: target.url },
    }));
    cleanups.push(target.close, found.close, temporary.close);
    await startWorker({ maxAttempts: 2 });
    const k = await freshMerchant();
    const endpoints = await Promise.all(
      [found.url, temporary.url].map((url) => endpointFor(url, ['payment_intent.created'], k)),
    );
    await k.paymentIntents.create({ amount: 700, currency: 'eur' });

    const rows = await Promise.all(endpoints.map(async (e) => (await settled(e.id))[0]));
    expect(
      rows.map((r) => [r?.status, r?.attempts, r?.last_response_status, r?.last_error]),
    ).toEqual([
      ['dead', 2, 302, 'HTTP 302'],
      ['dead', 2, 307, 'HTTP 307'],
    ]);
    expect(found.received).toHaveLength(2);
    expect(temporary.received).toHaveLength(2);
    expect(target.connections).toEqual([]);
  });
});
