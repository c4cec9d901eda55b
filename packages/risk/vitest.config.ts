import { databaseTestOptions } from '@kassa/db/testing/vitest';
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/**/*.test.ts'], ...databaseTestOptions } });
