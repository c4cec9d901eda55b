import { type Config, ConfigError } from './load.ts';

type BusConfig = Config<
  | 'KASSA_BUS'
  | 'KAFKA_BROKERS'
  | 'KAFKA_TOPIC'
  | 'KAFKA_PARTITIONS'
  | 'KAFKA_REPLICATION_FACTOR'
  | 'KAFKA_MIN_INSYNC_REPLICAS'
>;

/** The event bus as configured (the shape @kassa/ledger's createEventBus takes). */
export type EventBusSettings =
  | { transport: 'postgres' }
  | {
      transport: 'kafka';
      brokers: string[];
      topic: string;
      partitions: number;
      replicationFactor: number;
      minInsyncReplicas: number;
    };

/**
 * The bus settings, checked together: Kafka needs its brokers, and min.insync.replicas above
 * the replication factor would refuse every write.
 */
export function eventBusSettings(config: BusConfig): EventBusSettings {
  if (config.KASSA_BUS === 'postgres') return { transport: 'postgres' };
  if (config.KAFKA_BROKERS.length === 0) {
    throw new ConfigError([
      {
        variable: 'KAFKA_BROKERS',
        expected: 'host:port pairs separated by commas (required with KASSA_BUS=kafka)',
        received: 'nothing (it is required)',
      },
    ]);
  }
  if (config.KAFKA_MIN_INSYNC_REPLICAS > config.KAFKA_REPLICATION_FACTOR) {
    throw new ConfigError([
      {
        variable: 'KAFKA_MIN_INSYNC_REPLICAS',
        expected: `at most KAFKA_REPLICATION_FACTOR (${config.KAFKA_REPLICATION_FACTOR})`,
        received: String(config.KAFKA_MIN_INSYNC_REPLICAS),
      },
    ]);
  }
  return {
    transport: 'kafka',
    brokers: config.KAFKA_BROKERS,
    topic: config.KAFKA_TOPIC,
    partitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS,
  };
}
