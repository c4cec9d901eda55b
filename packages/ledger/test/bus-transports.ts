import { randomBytes } from 'node:crypto';
import { withTransaction } from '@kassa/db';
import { logLevel } from 'kafkajs';
import type pg from 'pg';
import { appendToStream, type EventBus, PostgresBus } from '../src/index.ts';

/** Where a transport's bus lives: Kafka's brokers and topic (shared with child processes). */
export interface TransportSettings {
  brokers?: string[];
  topic?: string;
}

/**
 * The transports the conformance suite runs against: the PostgreSQL log, and Kafka on this run's
 * broker (@kassa/kafka's global setup starts one; KAFKA_BROKERS names a cluster instead).
 */
export const transports: Array<{
  name: 'postgres' | 'kafka';
  create: (pool: pg.Pool, settings?: TransportSettings) => Promise<EventBus>;
}> = [
  {
    name: 'postgres',
    create: async (pool) => new PostgresBus(pool, { partitions: 4, pollMs: 50, rebalanceMs: 100 }),
  },
  {
    name: 'kafka',
    create: async (pool, settings = {}) => {
      const { KafkaBus } = await import('../src/bus/kafka.ts');
      if (!settings.brokers) throw new Error('the Kafka transport needs brokers');
      return new KafkaBus(pool, {
        brokers: settings.brokers,
        topic: settings.topic ?? newTopic(),
        partitions: 4,
        replicationFactor: 1,
        // The fault tests kill brokers on purpose: kafkajs's connection errors are expected.
        kafka: { logLevel: logLevel.NOTHING },
        // Short sessions, so a killed member's partitions move within seconds.
        consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 10_000 },
      });
    },
  },
];

/** A topic of one test's own on the run's shared broker. */
export const newTopic = () => `kassa-conformance-${randomBytes(5).toString('hex')}`;

export function transportNamed(name: string) {
  const transport = transports.find((t) => t.name === name);
  if (!transport) throw new Error(`unknown transport ${name}`);
  return transport;
}

/** `count` events of the merchant's order stream, one transaction each; their ids in order. */
export async function appendOrders(
  pool: pg.Pool,
  merchantId: string,
  count: number,
  type = 'order.updated',
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = await withTransaction(pool, (tx) =>
      appendToStream(tx, {
        stream: `order:${merchantId}`,
        expectedVersion: 'any',
        merchantId,
        events: [{ type, data: { i } }],
      }),
    );
    ids.push(...result.events.map((e) => e.id));
  }
  return ids;
}
