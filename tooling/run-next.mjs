// Runs `next <args>` as a child and ties its life to ours: SIGTERM/SIGINT are passed on, and
// under `kassa dev` (an IPC channel to the supervisor) a supervisor that goes away, even by
// SIGKILL, stops Next too. Next's own CLI does not watch that channel. Each Next.js app's
// scripts/run-next.mjs calls this with its own copy of Next.
import { spawn } from 'node:child_process';

/** `next` is the path of the app's next/dist/bin/next; `args` what to run (dev, build, start…). */
export function runNext(next, args) {
  const child = spawn(process.execPath, [next, ...args], { stdio: 'inherit' });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.send) {
    if (!process.connected) stop();
    process.channel?.unref();
    process.once('disconnect', stop);
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
