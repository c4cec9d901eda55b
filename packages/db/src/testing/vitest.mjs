// Plain JavaScript on purpose: vitest.config.ts files load it through Node itself, which cannot
// import TypeScript from another workspace package.
import { fileURLToPath } from 'node:url';

/** Vitest `test` options for suites that need PostgreSQL: one server per run, started once. */
export const databaseTestOptions = {
  globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
  // These suites start servers and processes; generous limits avoid false failures on a loaded
  // 2-core machine. Nothing asserts on time.
  testTimeout: 30_000,
  hookTimeout: 60_000,
};
