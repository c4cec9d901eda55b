import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePortPair, scratchDataDir } from '@kassa/db/testing';
import { javaMajorVersion } from '@kassa/kafka';
import { Kassa } from '@kassa/sdk';
import { testCard } from '@kassa/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpDev, devEnv, startKassa } from './run-cli.ts';

// `kassa dev --bus kafka`: the platform with a Kafka broker of its own beside the database. A
// payment made with the SDK reaches a merchant's endpoint as a signed webhook that the SDK
// verifies, and it went through Kafka: the API relayed the log to the topic, and the webhooks
// worker consumed it there (never from the PostgreSQL log).
const java = javaMajorVersion() !== undefined;
if (!java) console.warn('SKIPPED: kassa dev --bus kafka (no Java on this machine).');

let dataDir: string;
let env: Record<string, string>;
let kassa: ReturnType<typeof startKassa> | undefined;

beforeAll(async () => {
  dataDir = await scratchDataDir('kassa-dev-kafka-');
  env = {
    ...(await devEnv(dataDir)),
    KASSA_EMBEDDED_KAFKA_PORT: String(await freePortPair()),
    KAFKA_BROKERS: '',
    KASSA_BUS: '',
  };
});

afterAll(() => cleanUpDev(dataDir, kassa ? [kassa] : []));

describe.skipIf(!java)('kassa dev --bus kafka', () => {
  // The whole platform and a JVM start and stop here: minutes on CI's loaded cores.
  it('takes a payment from the SDK to a verified webhook, over Kafka', {
    timeout: 420_000,
  }, async () => {
    kassa = startKassa(['dev', '--bus', 'kafka'], env);
    const output = await kassa.waitFor('Press Ctrl-C to stop.', 240_000);
    const brokers = `127.0.0.1:${env.KASSA_EMBEDDED_KAFKA_PORT}`;
    expect(output).toContain(`Event bus        Kafka at ${brokers} (local broker`);
    const secret = /Secret key\s+(sk_test_\w+)/.exec(output)?.[1] as string;
    const publishable = /Publishable key\s+(pk_test_\w+)/.exec(output)?.[1] as string;
    const api = `http://127.0.0.1:${env.API_PORT}`;
    const sdk = new Kassa(secret, { baseUrl: api });

    const deliveries: Array<{ body: string; headers: IncomingHttpHeaders }> = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        deliveries.push({ body, headers: request.headers });
        response.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const endpoint = await sdk.webhookEndpoints.create({
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      enabled_events: ['payment_intent.succeeded'],
    });

    const payment = await sdk.paymentIntents.create({ amount: 2_500, currency: 'eur' });
    // The shopper's confirmation, as the hosted checkout sends it (publishable key).
    const confirmed = await fetch(`${api}/trpc/checkout.paymentIntents.confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${publishable}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_secret: payment.client_secret,
        payment_method_data: testCard(),
      }),
    });
    expect(confirmed.status).toBe(200);

    const deadline = Date.now() + 60_000; // a hang guard, not a measure
    while (deliveries.length === 0) {
      if (Date.now() > deadline) throw new Error(`no webhook arrived:\n${kassa.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    receiver.close();
    const [delivery] = deliveries;
    const event = await sdk.webhooks.constructEvent(
      delivery?.body as string,
      delivery?.headers['kassa-signature'] as string,
      endpoint.secret as string,
    );
    expect(event).toMatchObject({
      type: 'payment_intent.succeeded',
      data: { object: { id: payment.id, status: 'succeeded' } },
    });

    // It went through Kafka: the event is on the topic, the relay recorded how far it got, and
    // the webhooks group has no position in the PostgreSQL log.
    const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({
      groupId: 'webhooks',
      topics: ['kassa.ledger.events'],
    });
    await admin.disconnect();
    const committed = offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBeGreaterThan(0);
    const credentials = JSON.parse(
      await readFile(join(dataDir, 'postgres.credentials.json'), 'utf8'),
    );
    const db = new pg.Client({
      connectionString: `postgresql://${credentials.user}:${credentials.password}@127.0.0.1:${env.KASSA_EMBEDDED_PG_PORT}/kassa`,
    });
    await db.connect();
    const relay = await db.query('SELECT relay, position FROM bus_relay_offsets');
    const pgGroups = await db.query('SELECT DISTINCT "group" FROM bus_offsets');
    await db.end();
    expect(relay.rows).toEqual([
      { relay: 'kafka:kassa.ledger.events', position: expect.any(String) },
    ]);
    expect(pgGroups.rows).toEqual([]);
    expect(kassa.output()).toContain('"bus":"kafka"');

    // Ctrl-C stops the processes, the broker and the database.
    const exited = once(kassa.child, 'exit');
    kassa.interrupt();
    expect((await exited)[0]).toBe(0);
    expect(kassa.output()).toContain('Kassa stopped.');
    const closed = await new Kafka({
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    })
      .admin()
      .connect()
      .then(
        () => 'up',
        () => 'down',
      );
    expect(closed).toBe('down');
  });
});
