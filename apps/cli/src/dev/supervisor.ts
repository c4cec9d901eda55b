import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ProcessSpec {
  /** Short name shown before each of its output lines. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Working directory (default: kassa's own). */
  cwd?: string;
  /** Polled until it answers 200; the process counts as started only then. */
  readyUrl?: string;
}

interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  exited: Promise<unknown>;
}

/**
 * Runs Kassa's processes for `kassa dev`: starts them in order, prefixes their output, reports
 * the first one that dies, and stops them in reverse order (SIGTERM, then SIGKILL after a grace
 * period). Each child runs in its own process group, so a Ctrl-C in the terminal reaches only
 * the supervisor, and each child gets exactly one signal: a second one means "exit now" to them.
 * An IPC channel lets children notice when the supervisor is gone, even after a SIGKILL.
 */
export class Supervisor {
  private readonly running: Running[] = [];
  private stopping = false;

  constructor(
    private readonly write: (name: string, line: string) => void,
    private readonly onUnexpectedExit: (
      name: string,
      code: number | null,
      signal: string | null,
    ) => void,
  ) {}

  async start(spec: ProcessSpec, readyTimeoutMs = 60_000): Promise<void> {
    const child = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    const exited = once(child, 'exit');
    this.running.push({ spec, child, exited });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => this.write(spec.name, line));
    }
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.onUnexpectedExit(spec.name, code, signal);
    });
    if (spec.readyUrl) await this.waitUntilReady(spec, child, readyTimeoutMs);
  }

  private async waitUntilReady(
    spec: ProcessSpec,
    child: ChildProcess,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.stopping) return;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${spec.name} exited during start-up (code ${child.exitCode ?? child.signalCode})`,
        );
      }
      const status = await fetch(spec.readyUrl as string, {
        signal: AbortSignal.timeout(2_000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${spec.name} was not ready at ${spec.readyUrl} within ${timeoutMs / 1000} s`);
  }

  /** Stops every process, last started first. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const { child, exited } of [...this.running].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }

  /** Stop is coming: exits are no longer unexpected, and a start-up in progress gives up. */
  interrupt(): void {
    this.stopping = true;
  }

  /** Second Ctrl-C: no more waiting. */
  kill(): void {
    this.stopping = true;
    for (const { child } of this.running) child.kill('SIGKILL');
  }
}
