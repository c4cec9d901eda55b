import { testKafka, testTopic } from '@kassa/kafka/testing';
import { type EventBus, KafkaBus, PostgresBus } from '@kassa/ledger';
import { Kassa, type WebhookEndpoint } from '@kassa/sdk';
import { TEST_SECRET_KEY, useApiProcess } from '@kassa/testing';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, afterEach, describe } from 'vitest';
import {
  type DispatcherOptions,
  startWebhooksWorker,
  type WebhooksWorker,
} from '../src/webhooks/index.ts';

export type BusTransport = 'postgres' | 'kafka';

/**
 * What the worker's tests share: the real API (with its ledger sealer running) and the real bus
 * (the PostgreSQL log, or a Kafka topic of the file's own on the run's broker that the API relays
 * to), workers with fast retries, and the merchant's endpoints and deliveries. Workers and
 * whatever a test registers in `cleanups` are stopped after each test.
 */
export function useWebhooksHarness(transport: BusTransport = 'postgres') {
  const kafka = testKafka();
  if (transport === 'kafka' && kafka.brokers === null) {
    console.warn(`SKIPPED: webhook delivery on Kafka (${kafka.skipped}).`);
  }
  const topic = testTopic('kassa-webhooks');
  const { db, env, browser } = useApiProcess({
    env:
      transport === 'kafka' && kafka.brokers
        ? {
            KASSA_BUS: 'kafka',
            KAFKA_BROKERS: kafka.brokers.join(','),
            KAFKA_TOPIC: topic,
            KAFKA_PARTITIONS: '4',
            KAFKA_REPLICATION_FACTOR: '1',
            KAFKA_MIN_INSYNC_REPLICAS: '1',
          }
        : {},
  });
  const newBus = (): EventBus =>
    transport === 'kafka' && kafka.brokers
      ? new KafkaBus(db.current.pool, {
          brokers: kafka.brokers,
          topic,
          partitions: 4,
          replicationFactor: 1,
          kafka: { logLevel: logLevel.NOTHING },
          consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 10_000 },
        })
      : new PostgresBus(db.current.pool, { pollMs: 50 });
  const kassa = () =>
    new Kassa(env.merchant.secretKey, { baseUrl: env.base, maxNetworkRetries: 0 });
  const fast: DispatcherOptions = {
    timeoutMs: 2_000,
    maxAttempts: 3,
    retryBaseMs: 50,
    retryCapMs: 200,
    concurrency: 10,
    pollMs: 50,
    // The receivers are real HTTP servers on this machine: a worker delivers to them only when
    // allowed to, as `kassa dev` is with WEBHOOK_ALLOW_PRIVATE_HOSTS.
    allowPrivateHosts: ['127.0.0.1'],
    log: pino({ level: 'silent' }),
  };

  const workers: WebhooksWorker[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  async function startWorker(options: Partial<DispatcherOptions> = {}) {
    const bus = newBus();
    const worker = await startWebhooksWorker({
      pool: db.current.pool,
      bus,
      platformSecret: TEST_SECRET_KEY,
      dispatcher: { ...fast, ...options },
    });
    workers.push(worker);
    cleanups.push(() => bus.close());
    return worker;
  }
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
  });

  async function endpointFor(url: string, events: string[] = ['*'], k = kassa()) {
    return k.webhookEndpoints.create({
      url,
      enabled_events: events as WebhookEndpoint['enabled_events'] as never,
    });
  }

  async function deliveriesOf(endpointId: string) {
    const { rows } = await db.current.pool.query<{
      event_id: string;
      event_type: string;
      status: string;
      attempts: number;
      last_response_status: number | null;
      last_error: string | null;
    }>(
      `SELECT event_id, event_type, status, attempts, last_response_status, last_error
         FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at`,
      [endpointId],
    );
    return rows;
  }

  /** describe, or describe.skip where the transport cannot run (Kafka without Java). */
  const describeOn = transport === 'kafka' && kafka.brokers === null ? describe.skip : describe;
  return {
    db,
    env,
    browser,
    kassa,
    newBus,
    cleanups,
    startWorker,
    endpointFor,
    deliveriesOf,
    describeOn,
  };
}
