import { fileURLToPath } from 'node:url';

/** Vitest `test` options for suites that need PostgreSQL: one server per run, started once. */
export const databaseTestOptions = {
  globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
  // Database tests start servers and processes; a generous default avoids false timeouts
  // on a loaded 2-core machine. Nothing asserts on time.
  testTimeout: 30_000,
  hookTimeout: 60_000,
};
