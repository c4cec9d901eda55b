import { defineConfig } from 'vitest/config';
import { databaseTestOptions } from './src/testing/vitest.mjs';

export default defineConfig({ test: { include: ['test/**/*.test.ts'], ...databaseTestOptions } });
