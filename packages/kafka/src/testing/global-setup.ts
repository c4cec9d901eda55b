import type { TestProject } from 'vitest/node';
import { javaMajorVersion } from '../maven.ts';
import { startScratchBroker } from './index.ts';

/** This run's Kafka: bootstrap servers, or why there is none (no Java on this machine). */
export type TestKafka =
  | { brokers: string[]; external: boolean }
  | { brokers: null; skipped: string };

declare module 'vitest' {
  export interface ProvidedContext {
    kassaKafka: TestKafka;
  }
}

/**
 * One Kafka broker per test run, in a temp folder on free ports, stopped afterwards. With
 * KAFKA_BROKERS set the suite uses that cluster instead. Only where Java is genuinely absent
 * does the run go on without Kafka (the suites print why they skip); anything else that stops
 * the broker from starting (Maven missing, Maven Central unreachable) fails the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    project.provide('kassaKafka', { brokers: external.split(','), external: true });
    return async () => {};
  }
  if (javaMajorVersion() === undefined) {
    project.provide('kassaKafka', {
      brokers: null,
      skipped:
        'no Java on this machine (install openjdk-17-jre-headless and maven, or set KAFKA_BROKERS)',
    });
    return async () => {};
  }
  const broker = await startScratchBroker({
    log: (message) => process.stderr.write(`[kafka] ${message}\n`),
  });
  project.provide('kassaKafka', { brokers: broker.brokers, external: false });
  return () => broker.remove();
}
