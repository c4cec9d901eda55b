import type pg from 'pg';
import { KafkaBus, type KafkaBusOptions } from './kafka.ts';
import { PostgresBus, type PostgresBusOptions } from './postgres.ts';
import type { EventBus } from './types.ts';

/** Which bus, as @kassa/config's eventBusSettings reads it from the environment. */
export type BusSettings =
  | { transport: 'postgres' }
  | ({ transport: 'kafka' } & Pick<
      KafkaBusOptions,
      'brokers' | 'topic' | 'partitions' | 'replicationFactor' | 'minInsyncReplicas'
    >);

/** The configured transport; `clientId` names the process to Kafka (its logs, quotas). */
export function createEventBus(
  pool: pg.Pool,
  settings: BusSettings,
  options: { clientId?: string; postgres?: PostgresBusOptions } = {},
): EventBus {
  if (settings.transport === 'postgres') return new PostgresBus(pool, options.postgres);
  const { transport: _, ...kafka } = settings;
  return new KafkaBus(pool, { ...kafka, clientId: options.clientId });
}
