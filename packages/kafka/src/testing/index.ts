import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@kassa/config';
import { freePort } from '@kassa/db/testing';
import { inject } from 'vitest';
import { type KafkaBroker, type KafkaBrokerOptions, startKafkaBroker } from '../broker.ts';

export type { TestKafka } from './global-setup.ts';

/**
 * This run's broker (see global-setup.ts): its bootstrap servers, or null and the reason when
 * this machine has no Java (the caller skips, saying so).
 */
export function testKafka(): { brokers: string[] } | { brokers: null; skipped: string } {
  return inject('kassaKafka');
}

/** A topic name of this test file's own (topics are per file; the broker is per run). */
export function testTopic(prefix = 'kassa-test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * A broker of the caller's own, in a temp folder on free ports (for tests that kill and restart
 * it, which the run's shared broker must not be). `remove` stops it and deletes its folder.
 */
export async function startScratchBroker(
  options: Partial<Pick<KafkaBrokerOptions, 'settings' | 'log'>> = {},
): Promise<KafkaBroker & { remove(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kassa-test-kafka-'));
  const broker = await startKafkaBroker({
    dataDir,
    port: await freePort(),
    controllerPort: await freePort(),
    cacheDir: join(workspaceRoot(), '.kassa'),
    ...options,
  });
  return {
    ...broker,
    async remove() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
