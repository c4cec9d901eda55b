import { defineConfig } from 'vitest/config';

// The broker test starts (and kills) brokers of its own; JVMs start slowly on CI's 2 cores.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
});
