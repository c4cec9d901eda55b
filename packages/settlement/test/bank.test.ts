import { ManualClock, newId } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { sale, settleFromAcquirer } from '@kassa/ledger';
import { startAcquirer, TEST_ACQUIRER_KEY, testVault } from '@kassa/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addBankAccount,
  checkPayoutsInTransit,
  closeDay,
  DEFAULT_CALENDAR,
  endOf,
  HttpBankClient,
  type PayoutSenderOptions,
  sendDuePayouts,
  verifySettlement,
} from '../src/index.ts';

// Payouts at the bank: the simulator's bank over real HTTP receives them, answers later, pays or
// fails them by account number; Kassa sends each once (its id is the Idempotency-Key), books the
// outcome, and returns a failed payout's funds to the merchant's available balance.

const db = useTestDatabase();
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
const clock = new ManualClock(new Date('2026-05-04T10:00:00Z'));
let sender: PayoutSenderOptions;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  await acquirer.control({ bank_settle_delay_ms: 0 });
});
afterAll(async () => {
  await acquirer.stop();
});
beforeEach(() => {
  sender = {
    pool: db.current.pool,
    clock,
    calendar: DEFAULT_CALENDAR,
    vault: testVault(),
    banks: { test: new HttpBankClient({ url: acquirer.url, apiKey: TEST_ACQUIRER_KEY }) },
    checkEveryMs: 1_000,
    retryBaseMs: 1_000,
  };
});

const tx = <T>(work: Parameters<typeof withTransaction<T>>[1]) =>
  withTransaction(db.current.pool, work);

async function account(merchantId: string, number: string) {
  return tx((t) =>
    addBankAccount(
      t,
      { merchantId, livemode: false },
      {
        currency: 'eur',
        country: 'DE',
        account_holder_name: 'Shop GmbH',
        account_number: number,
        default_for_currency: true,
      },
      { vault: testVault(), clock },
    ),
  );
}

/** A merchant with a sale of `amount` whose funds a close of a later day pays out. */
let day = '2026-05-04';
async function payoutOf(merchantId: string, amount: bigint) {
  await tx((t) =>
    sale(
      t,
      { merchantId, currency: 'EUR', amount, fee: 0n, livemode: false },
      { reference: newId('paymentIntent'), occurredAt: clock.now() },
    ),
  );
  day = new Date(Date.parse(`${day}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10);
  clock.set(endOf(day, DEFAULT_CALENDAR));
  const closed = await closeDay(
    { pool: db.current.pool, clock, calendar: DEFAULT_CALENDAR, actor: 'test' },
    day,
    { merchantId },
  );
  return closed.units[0];
}

/** The acquirer's settlement booked into the platform's (test) cash, as reconciliation books it. */
async function fundPlatformCash(amount: bigint) {
  await tx((t) =>
    settleFromAcquirer(t, { currency: 'EUR', gross: amount, acquirerFee: 0n, livemode: false }),
  );
}

const payout = async (id: string) =>
  (
    await query<{
      status: string;
      failure_code: string | null;
      bank_transfer_id: string | null;
      bank_account_id: string;
    }>(
      db.current.pool,
      `SELECT status, failure_code, bank_transfer_id, bank_account_id FROM payouts WHERE id = $1`,
      [id],
    )
  )[0];

const eventsOf = async (id: string) =>
  (
    await query<{ type: string }>(
      db.current.pool,
      `SELECT type FROM ledger_events WHERE stream = $1 ORDER BY version`,
      [`payout:${id}`],
    )
  ).map((e) => e.type);

describe('payouts at the bank', () => {
  it('sends a payout once, then books it paid when the bank has paid it', async () => {
    const m = newId('merchant');
    await account(m, '000123456789');
    const closed = await payoutOf(m, 50_000n);
    const id = closed?.payoutId as string;
    expect(closed?.payoutAmount).toBe(50_000n);
    expect((await payout(id))?.status).toBe('pending');

    expect(await sendDuePayouts(sender)).toBeGreaterThanOrEqual(1);
    const sent = await payout(id);
    expect(sent).toMatchObject({
      status: 'in_transit',
      bank_transfer_id: expect.stringMatching(/^tr_/),
    });
    // Sending again sends nothing: it is in transit.
    await sendDuePayouts(sender);
    const transfers = await query<{ n: bigint }>(
      db.current.pool,
      `SELECT count(*)::bigint AS n FROM acquirer_sim.bank_transfers WHERE reference = $1`,
      [id],
    );
    expect(transfers[0]?.n).toBe(1n);

    // Paid by the bank, but the platform's cash is not booked yet: it stays in transit.
    clock.advance(1_000);
    await checkPayoutsInTransit(sender);
    expect((await payout(id))?.status).toBe('in_transit');
    await fundPlatformCash(50_000n);
    clock.advance(1_000);
    await checkPayoutsInTransit(sender);
    expect((await payout(id))?.status).toBe('paid');
    expect(await eventsOf(id)).toEqual(['payout.created', 'payout.updated', 'payout.paid']);
    expect((await verifySettlement(db.current.pool)).problems).toEqual([]);
  });

  it('fails a payout to a closed account: the funds return to available, the account is errored', async () => {
    const m = newId('merchant');
    const closedAccount = await account(m, '000111111113');
    const first = await payoutOf(m, 20_000n);
    const id = first?.payoutId as string;
    await sendDuePayouts(sender);
    clock.advance(1_000);
    await checkPayoutsInTransit(sender);
    expect(await payout(id)).toMatchObject({ status: 'failed', failure_code: 'account_closed' });
    expect(await eventsOf(id)).toEqual(['payout.created', 'payout.updated', 'payout.failed']);
    const [returned] = await query<{ type: string; net: bigint; status: string; payout_id: null }>(
      db.current.pool,
      `SELECT type, net, status, payout_id FROM balance_transactions
        WHERE merchant_id = $1 AND type = 'payout_failure'`,
      [m],
    );
    expect(returned).toEqual({
      type: 'payout_failure',
      net: 20_000n,
      status: 'available',
      payout_id: null,
    });
    const [errored] = await query<{ status: string }>(
      db.current.pool,
      `SELECT status FROM bank_accounts WHERE id = $1`,
      [closedAccount.id],
    );
    expect(errored?.status).toBe('errored');
    expect((await verifySettlement(db.current.pool)).problems).toEqual([]);

    // The next close makes no payout to the errored account; with a working one, it pays the
    // returned funds and the new ones together.
    const skipped = await payoutOf(m, 1_000n);
    expect(skipped).toMatchObject({ payoutId: null, payoutSkipped: 'bank_account_errored' });
    await account(m, '000123456789');
    const again = await payoutOf(m, 2_000n);
    expect(again?.payoutAmount).toBe(23_000n);
    expect((await verifySettlement(db.current.pool)).problems).toEqual([]);
  });

  it('retries a payout whose answer was lost, and the bank makes one transfer', async () => {
    const m = newId('merchant');
    await account(m, '000123456789');
    const closed = await payoutOf(m, 7_000n);
    const id = closed?.payoutId as string;
    await acquirer.control({ lost_response_rate: 1 });
    await sendDuePayouts(sender);
    expect((await payout(id))?.status).toBe('pending');
    await acquirer.control({ lost_response_rate: 0 });
    // Not before its retry is due.
    await sendDuePayouts(sender);
    expect((await payout(id))?.status).toBe('pending');
    clock.advance(2_000);
    await sendDuePayouts(sender);
    expect((await payout(id))?.status).toBe('in_transit');
    const transfers = await query<{ id: string }>(
      db.current.pool,
      `SELECT id FROM acquirer_sim.bank_transfers WHERE reference = $1`,
      [id],
    );
    expect(transfers.map((t) => t.id)).toEqual([(await payout(id))?.bank_transfer_id]);
  });

  it('keeps the account number in the vault only', async () => {
    const m = newId('merchant');
    await account(m, '000987654321');
    const dump = await query<{ row: string }>(
      db.current.pool,
      `SELECT row_to_json(b)::text AS row FROM bank_accounts b WHERE merchant_id = $1
       UNION ALL SELECT row_to_json(t)::text FROM acquirer_sim.bank_transfers t`,
      [m],
    );
    expect(dump.length).toBeGreaterThan(0);
    for (const { row } of dump) expect(row).not.toContain('987654321');
    expect(
      await testVault().revealBankAccount(
        db.current.pool,
        (
          await query<{ vault_bank_account_id: string }>(
            db.current.pool,
            `SELECT vault_bank_account_id FROM bank_accounts WHERE merchant_id = $1`,
            [m],
          )
        )[0]?.vault_bank_account_id as string,
      ),
    ).toEqual({ accountNumber: '000987654321', routingNumber: null });
  });
});
