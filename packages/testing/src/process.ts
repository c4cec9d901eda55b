import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tsx } from './entries.ts';

/**
 * Starts an app's entry point (`appEntry(...)`) as `node --import tsx`, with `env` over this
 * process's environment and an IPC channel (for moveClock; the child also stops when the test run
 * does); `output` is what it has written to stderr and, unless `stdout: false` (a busy process's
 * logs are not worth keeping), stdout.
 */
export function spawnEntry(
  entry: string,
  env: Record<string, string>,
  options: { stdout?: boolean } = {},
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', tsx, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.stdout === false ? 'ignore' : 'pipe', 'pipe', 'ipc'],
  });
  const keep = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/**
 * Waits until a started process answers `ready` with a 2xx, or throws (with what it wrote) when
 * it exits first or `timeoutMs` passes.
 */
export async function untilReady(
  child: ChildProcess,
  name: string,
  ready: string,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${name} exited: ${output()}`);
    if (Date.now() > deadline) throw new Error(`the ${name} did not start: ${output()}`);
    try {
      if ((await fetch(ready)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stops a process with `signal` and waits for it to exit (at once if it has). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
