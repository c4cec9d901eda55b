// Plain JavaScript on purpose: vitest.config.ts files load it through Node itself, which cannot
// import TypeScript from another workspace package.
import { fileURLToPath } from 'node:url';

/**
 * Vitest `test` options for suites that need Kafka: one broker per run (unless KAFKA_BROKERS
 * names one), started once. Combine with databaseTestOptions' globalSetup.
 */
export const kafkaGlobalSetup = fileURLToPath(new URL('./global-setup.ts', import.meta.url));
