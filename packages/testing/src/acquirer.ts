import type { ChildProcess } from 'node:child_process';
import { freePort, type TestDatabase } from '@kassa/db/testing';
import { TEST_ACQUIRER_KEY } from './constants.ts';
import { appEntry } from './entries.ts';
import { spawnEntry, stopProcess, untilReady } from './process.ts';

const simulatorMain = appEntry('acquirer-sim', 'src/main.ts');

/**
 * The acquirer simulator as its own process (real HTTP, its own schema in the test database),
 * the way `npm start` runs it. `control` changes its latency and fault rates while it runs.
 */
export async function startAcquirer(db: TestDatabase, env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let output = () => '';
  async function launch() {
    ({ child, output } = spawnEntry(
      simulatorMain,
      {
        DATABASE_URL: db.url,
        DATABASE_POOL_MAX: '8',
        ACQUIRER_HOST: '127.0.0.1',
        ACQUIRER_PORT: String(port),
        ACQUIRER_API_KEY: TEST_ACQUIRER_KEY,
        LOG_LEVEL: 'warn',
        ...env,
      },
      { stdout: false },
    ));
    await untilReady(child, 'simulator', `${url}/healthz`, output, 30_000);
  }
  const stop = (signal: NodeJS.Signals) => stopProcess(child, signal);
  await launch();
  return {
    url,
    port,
    async control(settings: {
      latency_ms?: [number, number];
      fault_rate?: number;
      lost_response_rate?: number;
      refuse_replays?: boolean;
      /** Hold API requests before processing them until `hold: false` releases them. */
      hold?: boolean;
      /** The bank: how long after receiving a transfer it decides it. */
      bank_settle_delay_ms?: number;
      /** Disputes: how long after evidence is submitted a dispute is decided. */
      dispute_decision_delay_ms?: number;
      /** Faults in the settlement report and the bank statement (apps/acquirer-sim/src/injections.ts). */
      inject?: Array<{
        file: 'settlement' | 'statement';
        kind: 'missing' | 'wrong_amount' | 'duplicate';
        reference: string;
        type?: 'capture' | 'refund' | 'chargeback' | 'chargeback_reversal';
        delta?: number;
      }>;
      /** Stop the simulator's clock at an instant (ISO 8601), or let it run (null). */
      now?: string | null;
    }) {
      const response = await fetch(`${url}/_control`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ACQUIRER_KEY}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(settings),
      });
      if (!response.ok) throw new Error(`control failed: ${response.status}`);
    },
    /** How many API requests are waiting for the hold to be released. */
    async held(): Promise<number> {
      const response = await fetch(`${url}/_control`, {
        headers: { authorization: `Bearer ${TEST_ACQUIRER_KEY}` },
      });
      if (!response.ok) throw new Error(`control failed: ${response.status}`);
      return ((await response.json()) as { held: number }).held;
    },
    stop: () => stop('SIGTERM'),
    /** The acquirer dies outright (connections refused until `restart`). */
    kill: () => stop('SIGKILL'),
    /** Starts it again on the same port, with the same records (if it is not running). */
    async restart() {
      if (child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
  };
}
