import { newId } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import { createTestDatabase, scratchDataDir, type TestDatabase } from '@kassa/db/testing';
import { sale } from '@kassa/ledger';
import { addBankAccount, addDays, DEFAULT_CALENDAR, dayOf } from '@kassa/settlement';
import { testVault } from '@kassa/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKassa } from './run-cli.ts';

// `kassa settlement` and `kassa reconciliation` as an operator runs them, against DATABASE_URL.

let db: TestDatabase;
let env: Record<string, string>;
const merchantId = newId('merchant');

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, KASSA_DATA_DIR: await scratchDataDir('kassa-cli-') };
  // A sale three days ago: its funds came due yesterday (the default delay is two days).
  await withTransaction(db.pool, async (tx) => {
    await addBankAccount(
      tx,
      { merchantId, livemode: true },
      {
        currency: 'usd',
        country: 'US',
        account_holder_name: 'Shop',
        account_number: '000123456789',
      },
      { vault: testVault(), clock: { now: () => new Date() } },
    );
    await sale(
      tx,
      { merchantId, currency: 'USD', amount: 10_000n, fee: 320n, livemode: true },
      { reference: newId('paymentIntent'), occurredAt: new Date(Date.now() - 3 * 86_400_000) },
    );
  });
});

afterAll(async () => {
  await db.drop();
});

describe('kassa settlement', () => {
  it('run closes the ended days once, refuses a day that has not ended; verify checks the books', async () => {
    const today = dayOf(new Date(), DEFAULT_CALENDAR);
    const notYet = runKassa(['settlement', 'run', '--date', today], env);
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toContain('day_not_ended');
    const bad = runKassa(['settlement', 'run', '--date', '2026-02-30'], env);
    expect(bad.code).toBe(2);

    const first = runKassa(['settlement', 'run'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${merchantId} live USD`);
    expect(first.stdout).toMatch(/payout po_\w+ 9680/);
    expect(first.stdout).toContain(`Closed through ${addDays(today, -1)}.`);
    const again = runKassa(
      ['settlement', 'run', '--date', addDays(today, -1), '--merchant', merchantId],
      env,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to close');
    expect(await query(db.pool, 'SELECT id FROM payouts')).toHaveLength(1);

    const verify = runKassa(['settlement', 'verify'], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('Settlement OK');
  });
});

describe('kassa reconciliation', () => {
  it('lists exceptions, and resolves one once with a note', async () => {
    const id = newId('reconciliationException');
    await db.pool.query(
      `INSERT INTO reconciliation_exceptions (id, run_id, source, day, merchant_id, livemode, kind,
         reference, currency, actual_amount, description, created_at)
       VALUES ($1, 'rcn_cli', 'bank_statement', '2026-01-05', NULL, true, 'unmatched_line',
         'acquirer_settlement:2026-01-04:USD', 'USD', 500, 'matches nothing Kassa has', now())`,
      [id],
    );
    const listed = runKassa(['reconciliation', 'exceptions', '--status', 'open'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(
      `${id}  2026-01-05  bank_statement  unmatched_line  platform live  open`,
    );
    const resolved = runKassa(
      ['reconciliation', 'resolve', id, '--note', 'Acquirer fee adjustment'],
      env,
    );
    expect(resolved.code, resolved.stderr).toBe(0);
    const twice = runKassa(['reconciliation', 'resolve', id, '--note', 'again'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('exception_resolved');
    const [row] = await query<{ resolved_by: string; resolution_note: string }>(
      db.pool,
      'SELECT resolved_by, resolution_note FROM reconciliation_exceptions WHERE id = $1',
      [id],
    );
    expect(row).toEqual({
      resolved_by: expect.stringMatching(/^operator:/),
      resolution_note: 'Acquirer fee adjustment',
    });
  });
});
