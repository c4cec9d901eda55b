import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { newId } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import { createTestDatabase, freePort, type TestDatabase } from '@kassa/db/testing';
import { sale } from '@kassa/ledger';
import { addBankAccount, verifySettlement } from '@kassa/settlement';
import {
  TEST_ACQUIRER_KEY,
  TEST_VAULT_FINGERPRINT_KEY,
  TEST_VAULT_KEYS,
  testVault,
  tsx,
} from '@kassa/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './receiver.ts';

// The settlement worker as the process `kassa dev` and production run (src/settlement/main.ts):
// its health endpoint, a graceful stop, and a SIGKILL in the middle of a day's close.

// A database for each test: each worker closes "yesterday" for every merchant it finds.
const db = { current: undefined as unknown as TestDatabase };
beforeEach(async () => {
  db.current = await createTestDatabase();
});
const main = fileURLToPath(new URL('../src/settlement/main.ts', import.meta.url));
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  await db.current.drop();
});

async function startWorker(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', tsx, main], {
    env: {
      ...process.env,
      DATABASE_URL: db.current.url,
      DATABASE_POOL_MAX: '4',
      SETTLEMENT_HOST: '127.0.0.1',
      SETTLEMENT_PORT: String(port),
      KASSA_BUS: 'postgres',
      LOG_LEVEL: 'info',
      KASSA_VAULT_KEYS: TEST_VAULT_KEYS,
      KASSA_VAULT_FINGERPRINT_KEY: TEST_VAULT_FINGERPRINT_KEY,
      ACQUIRER_API_KEY: TEST_ACQUIRER_KEY,
      // No bank listens there: payouts stay pending (this file tests the close, not the bank).
      ACQUIRER_URL: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.push(child);
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

/** `count` merchants, each with a sale three days ago: all due at yesterday's close. */
async function merchantsWithDueFunds(count: number): Promise<string[]> {
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
  const merchants = Array.from({ length: count }, () => newId('merchant')).sort();
  await withTransaction(db.current.pool, async (tx) => {
    for (const merchantId of merchants) {
      await addBankAccount(
        tx,
        { merchantId, livemode: true },
        {
          currency: 'usd',
          country: 'US',
          account_holder_name: 'Test merchant',
          account_number: '000123456789',
        },
        { vault: testVault(), clock: { now: () => new Date() } },
      );
      await sale(
        tx,
        { merchantId, currency: 'USD', amount: 10_000n, fee: 320n, livemode: true },
        { reference: newId('paymentIntent'), occurredAt: threeDaysAgo },
      );
    }
  });
  return merchants;
}

const closesOf = async () =>
  Number(
    (
      await query<{ n: bigint }>(
        db.current.pool,
        `SELECT count(*)::bigint AS n FROM settlement_closes`,
      )
    )[0]?.n,
  );

describe('the settlement worker process', () => {
  it('answers its health endpoints, closes missed days on start, and stops gracefully', async () => {
    await merchantsWithDueFunds(3);
    const worker = await startWorker();
    const health = await eventually(async () => {
      try {
        const response = await fetch(`${worker.url}/healthz`);
        return response.ok && response.json();
      } catch {
        return false;
      }
    });
    expect(health).toEqual({ status: 'ok' });
    const ready = await eventually(async () => {
      const body = (await (await fetch(`${worker.url}/readyz`)).json()) as {
        last_closed_day: string | null;
      };
      return body.last_closed_day !== null && body;
    });
    expect(ready).toMatchObject({ status: 'ready', days_behind: 0 });
    expect(await fetch(`${worker.url}/nothing`).then((r) => r.status)).toBe(404);
    expect((await query(db.current.pool, `SELECT id FROM payouts`)).length).toBe(3);

    const exited = once(worker.child, 'exit');
    worker.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(worker.output()).toContain('shut down cleanly');
  });

  it('completes a day once when killed in the middle of its close and started again', async () => {
    const merchants = await merchantsWithDueFunds(12);
    // Hold the seventh merchant's unit (the lock every close of it takes first): the worker
    // closes the eleven others, each in its own transaction, and waits on that one.
    const blocker = new pg.Client({ connectionString: db.current.url });
    await blocker.connect();
    try {
      await blocker.query(`SELECT pg_advisory_lock(hashtextextended($1, 14))`, [
        `settlement:${merchants[6]}:true:USD`,
      ]);
      const first = await startWorker();
      await eventually(async () => {
        const waiting = await query(
          db.current.pool,
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'kassa-settlement' AND wait_event_type = 'Lock'`,
        );
        return waiting.length > 0 && (await closesOf()) === 11;
      });
      const killed = once(first.child, 'exit');
      first.child.kill('SIGKILL');
      await killed;
      await blocker.query(`SELECT pg_advisory_unlock_all()`);
    } finally {
      await blocker.end();
    }
    expect(await closesOf()).toBe(11);
    expect(
      await query(db.current.pool, `SELECT 1 FROM settlement_closes WHERE merchant_id = $1`, [
        merchants[6],
      ]),
    ).toEqual([]);

    const second = await startWorker();
    await eventually(async () => (await closesOf()) === 12);
    await eventually(async () => {
      const body = (await (await fetch(`${second.url}/readyz`)).json()) as {
        last_closed_day: string | null;
      };
      return body.last_closed_day !== null;
    });
    const payouts = await query<{ merchant_id: string; amount: bigint }>(
      db.current.pool,
      `SELECT merchant_id, amount FROM payouts ORDER BY merchant_id`,
    );
    expect(payouts.map((p) => p.merchant_id)).toEqual(merchants);
    expect(payouts.every((p) => p.amount === 9_680n)).toBe(true);
    expect(await verifySettlement(db.current.pool)).toMatchObject({ problems: [], payouts: 12 });
  });
});
