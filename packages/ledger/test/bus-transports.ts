import type pg from 'pg';
import { type EventBus, PostgresBus } from '../src/index.ts';

/**
 * The transports the conformance suite runs against. Kafka runs only where KAFKA_BROKERS points
 * at a broker (none can be installed on the CI machines); the suite says so when it skips it.
 */
export const transports: Array<{
  name: 'postgres' | 'kafka';
  enabled: boolean;
  create: (pool: pg.Pool) => Promise<EventBus>;
}> = [
  {
    name: 'postgres',
    enabled: true,
    create: async (pool) => new PostgresBus(pool, { partitions: 4, pollMs: 50, rebalanceMs: 100 }),
  },
  {
    name: 'kafka',
    enabled: Boolean(process.env.KAFKA_BROKERS),
    create: async (pool) => {
      const { KafkaBus } = await import('../src/bus/kafka.ts');
      return new KafkaBus(pool, {
        brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
        topic: `kassa-conformance-${Date.now()}`,
        partitions: 4,
      });
    },
  },
];

export function transportNamed(name: string) {
  const transport = transports.find((t) => t.name === name);
  if (!transport) throw new Error(`unknown transport ${name}`);
  return transport;
}
