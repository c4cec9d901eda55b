import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { describe, expect, it } from 'vitest';
import {
  AccountLimitError,
  accountFor,
  appendToStream,
  authorize,
  bookEntry,
  capture,
  HoldStateError,
  IdempotencyConflictError,
  InvalidEntryError,
  InvalidEventError,
  makeAvailable,
  type NewEvent,
  payout,
  refund,
} from '../src/index.ts';

const db = useTestDatabase();
const tx = <T>(work: Parameters<typeof withTransaction<T>>[1]) =>
  withTransaction(db.current.pool, work);
const count = async (table: string) =>
  Number(
    (await query<{ n: bigint }>(db.current.pool, `SELECT count(*)::bigint AS n FROM ${table}`))[0]
      ?.n,
  );

describe('what only the journal may write', () => {
  it('bookEntry takes posted legs only: pending and release legs come from holds', async () => {
    const available = await tx((t) =>
      accountFor(t, 'merchant_available', 'USD', 'mch_guard', true),
    );
    const pending = await tx((t) => accountFor(t, 'merchant_pending', 'USD', 'mch_guard', true));
    // A "release" of a reservation that never existed would lift the flag on merchant_available.
    const sneaky = [
      {
        accountId: available.id,
        side: 'debit' as const,
        amount: 1000n,
        currency: 'USD',
        kind: 'release' as const,
      },
      {
        accountId: pending.id,
        side: 'credit' as const,
        amount: 1000n,
        currency: 'USD',
        kind: 'release' as const,
      },
    ];
    await expect(tx((t) => bookEntry(t, { code: 'sneaky', legs: sneaky }))).rejects.toBeInstanceOf(
      InvalidEntryError,
    );
    await expect(
      tx((t) =>
        payout(t, { merchantId: 'mch_guard', livemode: true, currency: 'USD', amount: 1000n }),
      ),
    ).rejects.toBeInstanceOf(AccountLimitError);
  });

  it('appendToStream refuses ledger.* events and numbers that are not safe integers', async () => {
    const before = await count('ledger_events');
    const attempts: NewEvent[] = [
      { type: 'ledger.entry_posted', data: { legs: [] } },
      { type: 'order.paid', data: { amount: 10.5 } },
      { type: 'order.paid', data: { nested: [{ big: 2 ** 60 }] } },
    ];
    for (const event of attempts) {
      await expect(
        tx((t) =>
          appendToStream(t, { stream: 'order:o1', expectedVersion: 'any', events: [event] }),
        ),
      ).rejects.toBeInstanceOf(InvalidEventError);
    }
    expect(await count('ledger_events')).toBe(before);
  });
});

describe('idempotent journal calls', () => {
  it('a retried capture with the same key returns the first result instead of failing', async () => {
    const merchantId = 'mch_retry';
    const held = await tx((t) =>
      authorize(t, { merchantId, livemode: true, currency: 'EUR', amount: 5_000n }),
    );
    const call = (traceparent: string) =>
      tx((t) =>
        capture(
          t,
          {
            merchantId,
            livemode: true,
            currency: 'EUR',
            amount: 5_000n,
            fee: 175n,
            holdId: held.holdId,
          },
          { idempotencyKey: 'capture-1', metadata: { traceparent } },
        ),
      );
    const first = await call('00-aaaa-01');
    const again = await call('00-bbbb-01'); // a different trace: still the same request
    expect(again).toEqual({ ...first, replayed: true });
    const entries = await query(
      db.current.pool,
      'SELECT id FROM ledger_entries WHERE hold_id = $1',
      [held.holdId],
    );
    expect(entries).toHaveLength(2); // placed + posted, once

    await expect(
      tx((t) =>
        capture(
          t,
          {
            merchantId,
            livemode: true,
            currency: 'EUR',
            amount: 4_000n,
            fee: 175n,
            holdId: held.holdId,
          },
          { idempotencyKey: 'capture-1' },
        ),
      ),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('bookEntry retries replay even though each attempt would generate new ids', async () => {
    const merchantId = 'mch_retry2';
    const booked = await Promise.all(
      Array.from({ length: 8 }, () =>
        tx((t) =>
          refund(
            t,
            { merchantId, livemode: true, currency: 'EUR', amount: 10n },
            { idempotencyKey: 'refund-1' },
          ),
        ),
      ),
    );
    expect(new Set(booked.map((b) => b.entryId)).size).toBe(1);
    expect(booked.filter((b) => !b.replayed)).toHaveLength(1);
  });

  it('a call that failed does not keep its key: it can be retried once it can succeed', async () => {
    const merchantId = 'mch_retry3';
    await expect(
      tx((t) =>
        payout(
          t,
          { merchantId, livemode: true, currency: 'EUR', amount: 100n },
          { idempotencyKey: 'payout-1' },
        ),
      ),
    ).rejects.toBeInstanceOf(AccountLimitError);
    await tx((t) =>
      makeAvailable(t, { merchantId, livemode: true, currency: 'EUR', amount: 100n }),
    );
    const done = await tx((t) =>
      payout(
        t,
        { merchantId, livemode: true, currency: 'EUR', amount: 100n },
        { idempotencyKey: 'payout-1' },
      ),
    );
    expect(done.replayed).toBe(false);
  });
});

describe('holds post to their own parties', () => {
  it("capturing one merchant's authorization into another merchant's account fails", async () => {
    const held = await tx((t) =>
      authorize(t, { merchantId: 'mch_a1', livemode: true, currency: 'USD', amount: 2_000n }),
    );
    const before = await count('ledger_entries');
    const error = await tx((t) =>
      capture(t, {
        merchantId: 'mch_b1',
        livemode: true,
        currency: 'USD',
        amount: 2_000n,
        fee: 60n,
        holdId: held.holdId,
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HoldStateError);
    expect(await count('ledger_entries')).toBe(before);
  });
});
