import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@kassa/db/testing';

export const kassaBin = join(import.meta.dirname, '..', 'bin', 'kassa.mjs');

/** Runs `kassa <args>` to completion, as a user would. */
export function runKassa(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [kassaBin, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts a long-running `kassa <args>` in its own process group, like a terminal would. */
export function startKassa(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [kassaBin, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return {
    child,
    output: () => output,
    async waitFor(text: string, timeoutMs = 60_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (child.exitCode !== null)
          throw new Error(`kassa exited (${child.exitCode}):\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return output;
    },
    /** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
    interrupt() {
      process.kill(-(child.pid as number), 'SIGINT');
    },
  };
}

/** `kassa dev` on its own: data in `dataDir`, every port free, the embedded database. */
export async function devEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    KASSA_DATA_DIR: dataDir,
    KASSA_EMBEDDED_PG_PORT: String(await freePort()),
    API_PORT: String(await freePort()),
    ACQUIRER_PORT: String(await freePort()),
    CHECKOUT_URL: `http://127.0.0.1:${await freePort()}`,
    DASHBOARD_URL: `http://127.0.0.1:${await freePort()}`,
    DATABASE_URL: '',
    LOG_LEVEL: 'info',
  };
}

/**
 * After a dev test file: a failed test may leave kassa (and the PostgreSQL it started) running;
 * stop both, then delete the data folder.
 */
export async function cleanUpDev(dataDir: string, kassas: Array<ReturnType<typeof startKassa>>) {
  for (const kassa of kassas) {
    if (kassa.child.exitCode === null && kassa.child.signalCode === null) {
      const exited = once(kassa.child, 'exit');
      kassa.interrupt();
      await exited;
    }
  }
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  if (existsSync(pidFile))
    process.kill(Number((await readFile(pidFile, 'utf8')).split('\n')[0]), 'SIGINT');
  await rm(dataDir, { recursive: true, force: true });
}
