import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

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
