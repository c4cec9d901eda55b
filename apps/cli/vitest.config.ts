import { databaseTestOptions } from '@kassa/db/testing/vitest';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    ...databaseTestOptions,
    // These tests run the whole platform as child processes, several starts per test.
    testTimeout: 240_000,
  },
});
