import { databaseTestOptions } from '@kassa/db/testing/vitest';
import { kafkaGlobalSetup } from '@kassa/kafka/testing/vitest';
import { defineConfig } from 'vitest/config';

// PostgreSQL and a Kafka broker, one each per run: the delivery tests run on both buses.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    ...databaseTestOptions,
    globalSetup: [...databaseTestOptions.globalSetup, kafkaGlobalSetup],
  },
});
