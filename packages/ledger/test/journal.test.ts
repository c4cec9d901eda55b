import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { describe, expect, it } from 'vitest';
import {
  AccountCache,
  AccountLimitError,
  accountFor,
  authorize,
  balanceOf,
  bookEntries,
  bookEntry,
  CurrencyMismatchError,
  capture,
  ensureAccount,
  expireHolds,
  getBalance,
  getBalanceAsOf,
  HoldStateError,
  InvalidEntryError,
  type Leg,
  payout,
  placeHold,
  postHold,
  refund,
  release,
  sale,
  sealAll,
  UnknownAccountError,
  validateLegs,
  verifyLedger,
  voidHold,
} from '../src/index.ts';

const db = useTestDatabase();
const tx = <T>(work: Parameters<typeof withTransaction<T>>[1]) =>
  withTransaction(db.current.pool, work);

async function counts() {
  const [row] = await query<{ events: bigint; entries: bigint; postings: bigint }>(
    db.current.pool,
    `SELECT (SELECT count(*) FROM ledger_events)::bigint AS events, (SELECT count(*) FROM ledger_entries)::bigint AS entries,
            (SELECT count(*) FROM ledger_postings)::bigint AS postings`,
  );
  return row;
}

async function twoAccounts(currency = 'USD') {
  return tx(async (t) => ({
    cash: await ensureAccount(t, {
      owner: 'platform',
      code: `cash_${currency}`,
      currency,
      normalBalance: 'debit',
    }),
    revenue: await ensureAccount(t, {
      owner: 'platform',
      code: `revenue_${currency}`,
      currency,
      normalBalance: 'credit',
    }),
  }));
}

describe('journal entries', () => {
  it('validates legs before touching the database', () => {
    const leg = (side: 'debit' | 'credit', amount: bigint, currency = 'USD'): Leg => ({
      accountId: 'acct_x',
      side,
      amount,
      currency,
    });
    const cases: Array<[Leg[], string]> = [
      [[leg('debit', 100n)], 'invalid_entry'],
      [[leg('debit', 100n), leg('credit', 99n)], 'unbalanced_entry'],
      [[leg('debit', 0n), leg('credit', 0n)], 'invalid_amount'],
      [[leg('debit', -5n), leg('credit', -5n)], 'invalid_amount'],
      [[leg('debit', 2n ** 60n), leg('credit', 2n ** 60n)], 'invalid_amount'],
      [[leg('debit', 100n, 'XYZ'), leg('credit', 100n, 'XYZ')], 'unknown_currency'],
      [[leg('debit', 100n, 'USD'), leg('credit', 100n, 'EUR')], 'unbalanced_entry'],
      [
        [{ ...leg('debit', 100n), amount: 1.5 as unknown as bigint }, leg('credit', 100n)],
        'invalid_amount',
      ],
    ];
    for (const [legs, code] of cases) {
      expect(() => validateLegs(legs), code).toThrow(expect.objectContaining({ code }));
    }
    // Balanced per currency and per kind: a two-currency entry is fine when each side balances.
    expect(() =>
      validateLegs([
        leg('debit', 100n, 'JPY'),
        leg('credit', 100n, 'JPY'),
        leg('debit', 5n, 'KWD'),
        leg('credit', 5n, 'KWD'),
      ]),
    ).not.toThrow();
  });

  it('books a balanced entry and moves both balances', async () => {
    const { cash, revenue } = await twoAccounts();
    await tx((t) =>
      bookEntry(t, {
        code: 'sale',
        legs: [
          { accountId: cash.id, side: 'debit', amount: 1050n, currency: 'USD' },
          { accountId: revenue.id, side: 'credit', amount: 1050n, currency: 'USD' },
        ],
      }),
    );
    expect(balanceOf(cash, await getBalance(db.current.pool, cash.id)).posted).toBe(1050n);
    expect(balanceOf(revenue, await getBalance(db.current.pool, revenue.id)).posted).toBe(1050n);
  });

  it('rejects unbalanced entries, unknown accounts and wrong currencies, writing nothing', async () => {
    const { cash, revenue } = await twoAccounts('EUR');
    const before = await counts();
    const attempts: Array<[Leg[], unknown]> = [
      [
        [
          { accountId: cash.id, side: 'debit', amount: 10n, currency: 'EUR' },
          { accountId: revenue.id, side: 'credit', amount: 9n, currency: 'EUR' },
        ],
        InvalidEntryError,
      ],
      [
        [
          { accountId: cash.id, side: 'debit', amount: 10n, currency: 'EUR' },
          {
            accountId: 'acct_000000000000000000000000',
            side: 'credit',
            amount: 10n,
            currency: 'EUR',
          },
        ],
        UnknownAccountError,
      ],
      [
        [
          { accountId: cash.id, side: 'debit', amount: 10n, currency: 'GBP' },
          { accountId: revenue.id, side: 'credit', amount: 10n, currency: 'GBP' },
        ],
        CurrencyMismatchError,
      ],
    ];
    for (const [legs, type] of attempts) {
      await expect(tx((t) => bookEntry(t, { code: 'bad', legs }))).rejects.toBeInstanceOf(type);
    }
    expect(await counts()).toEqual(before);
  });

  it('enforces account flags at write time and writes nothing when one would break', async () => {
    const merchantId = 'mch_flags';
    const available = await tx((t) => accountFor(t, 'merchant_available', 'USD', merchantId, true));
    expect(available.debitsMustNotExceedCredits).toBe(true);
    const before = await counts();
    const error = await tx((t) =>
      payout(t, { merchantId, livemode: true, currency: 'USD', amount: 1n }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountLimitError);
    expect((error as AccountLimitError).flag).toBe('debits_must_not_exceed_credits');
    expect((await counts())?.entries).toBe(before?.entries);
  });
});

describe('booking in bulk', () => {
  it('books many entries in one transaction, and none when one of them is wrong', async () => {
    const { cash, revenue } = await twoAccounts('KWD');
    const entry = (amount: bigint) => ({
      code: 'bulk',
      legs: [
        { accountId: cash.id, side: 'debit' as const, amount, currency: 'KWD' },
        { accountId: revenue.id, side: 'credit' as const, amount, currency: 'KWD' },
      ],
    });
    const booked = await tx((t) =>
      bookEntries(
        t,
        Array.from({ length: 50 }, (_, i) => entry(BigInt(i + 1))),
      ),
    );
    expect(booked).toHaveLength(50);
    expect(balanceOf(revenue, await getBalance(db.current.pool, revenue.id)).posted).toBe(1275n); // 1 + ... + 50

    const before = await counts();
    const bad = [
      entry(5n),
      { ...entry(5n), legs: [...entry(5n).legs.slice(0, 1), { ...entry(4n).legs[1] }] },
    ] as never;
    await expect(tx((t) => bookEntries(t, bad))).rejects.toMatchObject({
      code: 'unbalanced_entry',
    });
    expect(await counts()).toEqual(before);
    await sealAll(db.current.pool);
    expect((await verifyLedger(db.current.pool)).problems).toEqual([]);
  });
});

describe('holds', () => {
  async function hold(amount: bigint, expiresAt?: Date) {
    const { cash, revenue } = await twoAccounts('JPY');
    const placed = await tx((t) =>
      placeHold(t, {
        code: 'authorize',
        expiresAt,
        legs: [
          { accountId: cash.id, side: 'debit', amount, currency: 'JPY' },
          { accountId: revenue.id, side: 'credit', amount, currency: 'JPY' },
        ],
      }),
    );
    return { ...placed, cash, revenue };
  }

  it('reserves without posting, then posts in part and gives the rest back', async () => {
    const h = await hold(1000n);
    const reserved = await getBalance(db.current.pool, h.revenue.id);
    await tx((t) => postHold(t, { holdId: h.holdId, code: 'capture', amount: 600n }));
    const after = await getBalance(db.current.pool, h.revenue.id);

    expect(after.creditsPending - reserved.creditsPending).toBe(-1000n);
    expect(after.creditsPosted - reserved.creditsPosted).toBe(600n);
    const [row] = await query(
      db.current.pool,
      'SELECT status, posted_amount FROM ledger_holds WHERE id = $1',
      [h.holdId],
    );
    expect(row).toEqual({ status: 'posted', posted_amount: 600n });
  });

  it('refuses to post more than was held, to post twice, or to post a voided hold', async () => {
    const h = await hold(500n);
    await expect(
      tx((t) => postHold(t, { holdId: h.holdId, code: 'capture', amount: 501n })),
    ).rejects.toBeInstanceOf(HoldStateError);
    await tx((t) => postHold(t, { holdId: h.holdId, code: 'capture' }));
    await expect(
      tx((t) => postHold(t, { holdId: h.holdId, code: 'capture' })),
    ).rejects.toMatchObject({
      code: 'hold_not_pending',
    });

    const v = await hold(300n);
    await tx((t) => voidHold(t, { holdId: v.holdId, code: 'release' }));
    await expect(
      tx((t) => postHold(t, { holdId: v.holdId, code: 'capture' })),
    ).rejects.toBeInstanceOf(HoldStateError);
  });

  it('posts a hold exactly once when posted and voided concurrently', async () => {
    const h = await hold(700n);
    const results = await Promise.allSettled([
      tx((t) => postHold(t, { holdId: h.holdId, code: 'capture' })),
      tx((t) => voidHold(t, { holdId: h.holdId, code: 'release' })),
      tx((t) => postHold(t, { holdId: h.holdId, code: 'capture', amount: 100n })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('expires: the reservation is released and the hold can no longer be posted', async () => {
    const h = await hold(800n, new Date(Date.now() - 1000));
    await expect(
      tx((t) => postHold(t, { holdId: h.holdId, code: 'capture' })),
    ).rejects.toMatchObject({
      reason: 'expired',
    });
    expect(await expireHolds(db.current.pool)).toBeGreaterThanOrEqual(1);
    const [row] = await query(db.current.pool, 'SELECT status FROM ledger_holds WHERE id = $1', [
      h.holdId,
    ]);
    expect(row?.status).toBe('expired');
    expect(await expireHolds(db.current.pool)).toBe(0);
  });
});

describe('business postings', () => {
  it('authorize, partial capture with fee, refund: every balance as the chart says', async () => {
    const merchantId = 'mch_flow';
    const held = await tx((t) =>
      authorize(t, { merchantId, livemode: true, currency: 'USD', amount: 10_000n }),
    );
    await tx((t) =>
      capture(t, {
        merchantId,
        livemode: true,
        currency: 'USD',
        amount: 8_000n,
        fee: 262n,
        holdId: held.holdId,
      }),
    );
    await tx((t) => refund(t, { merchantId, livemode: true, currency: 'USD', amount: 3_000n }));

    const balance = async (code: Parameters<typeof accountFor>[1], m?: string) => {
      const account = await tx((t) => accountFor(t, code, 'USD', m, true));
      return balanceOf(account, await getBalance(db.current.pool, account.id));
    };
    expect(await balance('merchant_pending', merchantId)).toMatchObject({
      posted: 8_000n - 262n - 3_000n,
      pendingIn: 0n,
    });
    expect((await balance('platform_fees')).posted).toBeGreaterThanOrEqual(262n);

    // A second authorization, released: nothing posted, nothing left reserved.
    const other = await tx((t) =>
      authorize(t, { merchantId, livemode: true, currency: 'USD', amount: 999n }),
    );
    await tx((t) => release(t, { holdId: other.holdId, merchantId }));
    expect(await balance('merchant_pending', merchantId)).toMatchObject({
      posted: 4_738n,
      pendingIn: 0n,
    });
  });

  it('a sale books a capture in one entry, without a hold; a cache spares the account lookups', async () => {
    const merchantId = 'mch_sale';
    const cache = new AccountCache();
    const booked = await tx((t) =>
      sale(
        t,
        { merchantId, livemode: true, currency: 'CHF', amount: 10_000n, fee: 320n },
        { accounts: cache },
      ),
    );
    // Accounts opened by this very transaction are not remembered (it might still roll back).
    expect(cache.get(merchantId, 'merchant_pending', 'CHF')).toBeUndefined();
    const [holds] = await query<{ n: bigint }>(
      db.current.pool,
      `SELECT count(*)::bigint AS n FROM ledger_holds h JOIN ledger_entries e ON e.id = h.placed_entry_id
        WHERE e.id = $1`,
      [booked.entryId],
    );
    expect(holds?.n).toBe(0n);
    // A second sale finds every account there and remembers it.
    await tx((t) =>
      sale(
        t,
        { merchantId, livemode: true, currency: 'CHF', amount: 100n, fee: 33n },
        { accounts: cache },
      ),
    );
    const pendingAccount = cache.get(merchantId, 'merchant_pending', 'CHF');
    expect(pendingAccount).toBeDefined();
    expect(
      balanceOf(
        pendingAccount as never,
        await getBalance(db.current.pool, pendingAccount?.id as string),
      ).posted,
    ).toBe(9_680n + 67n);
    expect(cache.get('platform', 'platform_fees', 'CHF')?.id).toBe(
      (await tx((t) => accountFor(t, 'platform_fees', 'CHF', undefined, true))).id,
    );
  });

  it('never caches an account opened in a transaction that rolled back', async () => {
    const merchantId = 'mch_rolled_back';
    const cache = new AccountCache();
    await expect(
      withTransaction(db.current.pool, async (t) => {
        await sale(
          t,
          { merchantId, livemode: true, currency: 'SEK', amount: 500n, fee: 10n },
          { accounts: cache },
        );
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(cache.get(merchantId, 'merchant_pending', 'SEK')).toBeUndefined();
    // The next sale opens the accounts for real and books against them.
    await tx((t) =>
      sale(
        t,
        { merchantId, livemode: true, currency: 'SEK', amount: 500n, fee: 10n },
        { accounts: cache },
      ),
    );
    const [accounts] = await query<{ n: bigint }>(
      db.current.pool,
      `SELECT count(*)::bigint AS n FROM ledger_accounts WHERE owner = $1 AND currency = 'SEK'`,
      [merchantId],
    );
    expect(accounts?.n).toBeGreaterThan(0n);
  });

  it('keeps test-mode money in books of its own, platform accounts included', async () => {
    const merchantId = 'mch_books';
    const money = { merchantId, currency: 'EUR', livemode: false };
    const held = await tx((t) => authorize(t, { ...money, amount: 5_000n }));
    await tx((t) => capture(t, { ...money, amount: 5_000n, fee: 175n, holdId: held.holdId }));
    const owners = await query<{ owner: string; code: string }>(
      db.current.pool,
      `SELECT DISTINCT a.owner, a.code FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE a.currency = 'EUR' ORDER BY a.owner, a.code`,
    );
    expect(owners).toEqual([
      { owner: 'mch_books:test', code: 'merchant_pending' },
      { owner: 'platform:test', code: 'acquirer_receivable' },
      { owner: 'platform:test', code: 'platform_fees' },
    ]);
    const live = await tx((t) => accountFor(t, 'platform_fees', 'EUR', undefined, true));
    expect(balanceOf(live, await getBalance(db.current.pool, live.id)).posted).toBe(0n);

    // A test hold cannot be posted into the live platform's accounts.
    const other = await tx((t) => authorize(t, { ...money, amount: 100n }));
    const liveFees = live.id;
    const testPending = await tx((t) =>
      accountFor(t, 'merchant_pending', 'EUR', merchantId, false),
    );
    const testReceivable = await tx((t) =>
      accountFor(t, 'acquirer_receivable', 'EUR', undefined, false),
    );
    await expect(
      tx((t) =>
        postHold(t, {
          holdId: other.holdId,
          code: 'capture',
          legs: [
            { accountId: testReceivable.id, side: 'debit', amount: 100n, currency: 'EUR' },
            { accountId: testPending.id, side: 'credit', amount: 90n, currency: 'EUR' },
            { accountId: liveFees, side: 'credit', amount: 10n, currency: 'EUR' },
          ],
        }),
      ),
    ).rejects.toThrow(HoldStateError);
  });

  it('keeps the hot fee account exact under many concurrent captures, without deadlocks', async () => {
    const fees = await tx((t) => accountFor(t, 'platform_fees', 'EUR', undefined, true));
    const before = balanceOf(fees, await getBalance(db.current.pool, fees.id)).posted;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const merchantId = `mch_hot${i % 4}`;
        const held = await tx((t) =>
          authorize(t, { merchantId, livemode: true, currency: 'EUR', amount: 1_000n }),
        );
        await tx((t) =>
          capture(t, {
            merchantId,
            livemode: true,
            currency: 'EUR',
            amount: 1_000n,
            fee: 59n,
            holdId: held.holdId,
          }),
        );
      }),
    );
    expect(balanceOf(fees, await getBalance(db.current.pool, fees.id)).posted - before).toBe(
      40n * 59n,
    );
    // Writers never touched the fee account's row: it only moves when the sealer folds the batch in.
    const [row] = await query<{ credits_posted: bigint }>(
      db.current.pool,
      'SELECT credits_posted FROM ledger_balances WHERE account_id = $1',
      [fees.id],
    );
    await sealAll(db.current.pool);
    const [folded] = await query<{ credits_posted: bigint }>(
      db.current.pool,
      'SELECT credits_posted FROM ledger_balances WHERE account_id = $1',
      [fees.id],
    );
    expect((folded?.credits_posted ?? 0n) - (row?.credits_posted ?? 0n)).toBe(40n * 59n);
    expect(balanceOf(fees, await getBalance(db.current.pool, fees.id)).posted - before).toBe(
      40n * 59n,
    );
  });

  it('answers the balance as of a past position or time', async () => {
    const merchantId = 'mch_asof';
    const pending = await tx((t) => accountFor(t, 'merchant_pending', 'GBP', merchantId, true));
    const first = await tx((t) =>
      authorize(t, { merchantId, livemode: true, currency: 'GBP', amount: 500n }),
    );
    await tx((t) =>
      capture(t, {
        merchantId,
        livemode: true,
        currency: 'GBP',
        amount: 500n,
        fee: 0n,
        holdId: first.holdId,
      }),
    );
    await sealAll(db.current.pool);
    const [head] = await query<{ p: bigint }>(
      db.current.pool,
      'SELECT max(position) AS p FROM ledger_chain',
    );
    const midway = new Date();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await tx((t) => refund(t, { merchantId, livemode: true, currency: 'GBP', amount: 200n }));
    await sealAll(db.current.pool);

    const posted = async (asOf: Parameters<typeof getBalanceAsOf>[2]) =>
      balanceOf(pending, await getBalanceAsOf(db.current.pool, pending.id, asOf)).posted;
    expect(await posted({ position: head?.p as bigint })).toBe(500n);
    expect(await posted({ at: midway })).toBe(500n);
    expect(await posted({ at: new Date() })).toBe(300n);
    expect(await posted({ position: 0n })).toBe(0n);
  });

  it('in every currency, all postings sum to zero', async () => {
    const rows = await query<{ currency: string; kind: string; net: bigint }>(
      db.current.pool,
      `SELECT currency, kind, sum(CASE side WHEN 'debit' THEN amount ELSE -amount END)::bigint AS net
         FROM ledger_postings GROUP BY currency, kind`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.net, `${row.currency} ${row.kind}`).toBe(0n);
  });
});
