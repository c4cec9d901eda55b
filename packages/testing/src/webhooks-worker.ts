import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@kassa/db/testing';
import { TEST_SECRET_KEY } from './constants.ts';

const tsx = createRequire(import.meta.url).resolve('tsx');
const workerPath = fileURLToPath(
  new URL('../../../apps/workers/src/webhooks/main.ts', import.meta.url),
);

/**
 * The webhooks worker as a process (apps/workers, as `kassa dev` starts it) on the test
 * database, delivering to receivers on this machine, retrying fast. Resolves once it has started.
 */
export async function startWebhooksWorker(db: TestDatabase, env: Record<string, string> = {}) {
  const worker = spawn(process.execPath, ['--import', tsx, workerPath], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      KASSA_SECRET_KEY: TEST_SECRET_KEY,
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_MAX_ATTEMPTS: '2',
      WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const log = createInterface({ input: worker.stdout as NodeJS.ReadableStream });
  for await (const line of log) if (line.includes('webhooks worker started')) break;
  worker.stdout?.resume(); // keep draining its logs
  return {
    async stop() {
      if (worker.exitCode !== null || worker.signalCode !== null) return;
      const exited = once(worker, 'exit');
      worker.kill('SIGTERM');
      await exited;
    },
  };
}
