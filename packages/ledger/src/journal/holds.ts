import { newId } from '@kassa/contracts';
import {
  type LedgerEventRecord,
  type LedgerHoldRecord,
  type LedgerPostingRecord,
  type Queryable,
  query,
  withTransaction,
} from '@kassa/db';
import type pg from 'pg';
import { HoldStateError, InvalidEntryError } from '../errors.ts';
import { idempotent } from '../events/idempotency.ts';
import { loadAccounts } from './accounts.ts';
import { platformOwnerOf } from './books.ts';
import { type BookedEntry, type BookOptions, legsFingerprint, recordEntry } from './entries.ts';
import type { Leg } from './types.ts';

export interface PlacedHold extends BookedEntry {
  holdId: string;
}

/** A hold with the stream of its placing event (lockHold joins ledger_holds to ledger_events). */
type HoldRow = Pick<LedgerHoldRecord, 'id' | 'status' | 'amount' | 'currency' | 'expires_at'> &
  Pick<LedgerEventRecord, 'stream'>;

/**
 * Reserves an amount (an authorization): pending legs that move no posted balance until the
 * hold is posted. All legs in one currency; the hold's amount is the sum of its debit legs.
 * The hold's events go to the stream of its placing event (default `ledger_hold:<id>`).
 */
export async function placeHold(
  tx: Queryable,
  hold: {
    holdId?: string;
    code: string;
    legs: ReadonlyArray<Omit<Leg, 'kind'>>;
    expiresAt?: Date | null;
  },
  options: BookOptions = {},
): Promise<PlacedHold> {
  const currencies = new Set(hold.legs.map((l) => l.currency));
  const [currency] = currencies;
  if (currencies.size !== 1 || !currency) {
    throw new InvalidEntryError(
      'invalid_entry',
      'A hold is in one currency; its legs use several.',
    );
  }
  const request = {
    op: 'place_hold',
    code: hold.code,
    legs: legsFingerprint(hold.legs),
    expiresAt: hold.expiresAt?.toISOString() ?? null,
    stream: options.stream ?? null,
  };
  const { result, replayed } = await idempotent(tx, options.idempotencyKey, request, async () => {
    const holdId = hold.holdId ?? newId('hold');
    const amount = hold.legs
      .filter((l) => l.side === 'debit')
      .reduce((sum, l) => sum + l.amount, 0n);
    const booked = await recordEntry(
      tx,
      {
        type: 'ledger.hold_placed',
        code: hold.code,
        holdId,
        hold: {
          amount: amount.toString(),
          currency,
          expiresAt: hold.expiresAt?.toISOString() ?? null,
        },
        legs: hold.legs.map((l) => ({ ...l, kind: 'pending' as const })),
      },
      {
        ...options,
        stream: options.stream ?? `ledger_hold:${holdId}`,
        expectedVersion: options.expectedVersion ?? (options.stream ? 'any' : 'no_stream'),
      },
    );
    return { ...booked, holdId };
  });
  return { ...result, replayed };
}

/**
 * Posts a pending hold, in full or in part: the whole reservation is released and `legs` (or,
 * for a two-leg hold, its legs scaled to `amount`) are posted. What is not posted is simply
 * given back. Posted legs may only touch accounts of the hold's owners and of the platform.
 * Posting more than was held, or a hold that is not pending or has expired, fails.
 */
export async function postHold(
  tx: Queryable,
  request: {
    holdId: string;
    code: string;
    amount?: bigint;
    legs?: ReadonlyArray<Omit<Leg, 'kind'>>;
  },
  options: BookOptions = {},
): Promise<BookedEntry> {
  const fingerprint = {
    op: 'post_hold',
    holdId: request.holdId,
    code: request.code,
    amount: request.amount?.toString() ?? null,
    legs: request.legs ? legsFingerprint(request.legs) : null,
  };
  const { result, replayed } = await idempotent(
    tx,
    options.idempotencyKey,
    fingerprint,
    async () => {
      const hold = await lockPendingHold(tx, request.holdId);
      const release = await releaseLegs(tx, hold.id);
      const posted = request.legs ?? scaledLegs(hold, release, request.amount ?? hold.amount);
      const postedAmount = posted
        .filter((l) => l.side === 'debit')
        .reduce((sum, l) => sum + l.amount, 0n);
      if (postedAmount > hold.amount || posted.some((l) => l.currency !== hold.currency)) {
        throw new HoldStateError(
          hold.id,
          'exceeds_hold',
          `Hold ${hold.id} reserves ${hold.amount} ${hold.currency}; ${postedAmount} ${posted[0]?.currency ?? ''} cannot be posted from it.`,
        );
      }
      await checkOwners(tx, hold.id, release, posted);
      return recordEntry(
        tx,
        {
          type: 'ledger.hold_posted',
          code: request.code,
          holdId: hold.id,
          postedAmount: postedAmount.toString(),
          legs: [...release, ...posted.map((l) => ({ ...l, kind: 'posted' as const }))],
        },
        { ...options, stream: options.stream ?? hold.stream },
      );
    },
  );
  return { ...result, replayed };
}

/** Gives a pending hold's whole reservation back. */
export async function voidHold(
  tx: Queryable,
  request: { holdId: string; code: string },
  options: BookOptions = {},
): Promise<BookedEntry> {
  const fingerprint = { op: 'void_hold', holdId: request.holdId, code: request.code };
  const { result, replayed } = await idempotent(
    tx,
    options.idempotencyKey,
    fingerprint,
    async () => {
      const hold = await lockPendingHold(tx, request.holdId);
      return recordEntry(
        tx,
        {
          type: 'ledger.hold_voided',
          code: request.code,
          holdId: hold.id,
          legs: await releaseLegs(tx, hold.id),
        },
        { ...options, stream: options.stream ?? hold.stream },
      );
    },
  );
  return { ...result, replayed };
}

/** Releases every pending hold whose time is up, each in its own transaction. Returns how many. */
export async function expireHolds(
  pool: pg.Pool,
  now: Date = new Date(),
  limit = 500,
): Promise<number> {
  const due = await query<Pick<LedgerHoldRecord, 'id'>>(
    pool,
    `SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
    [now, limit],
  );
  let expired = 0;
  for (const { id } of due) {
    expired += await withTransaction(pool, async (tx) => {
      const hold = await lockHold(tx, id);
      if (hold?.status !== 'pending' || !hold.expires_at || hold.expires_at > now) return 0;
      await recordEntry(
        tx,
        {
          type: 'ledger.hold_expired',
          code: 'hold_expired',
          holdId: id,
          legs: await releaseLegs(tx, id),
        },
        { stream: hold.stream },
      );
      return 1;
    });
  }
  return expired;
}

async function lockHold(tx: Queryable, holdId: string): Promise<HoldRow | undefined> {
  const [row] = await query<HoldRow>(
    tx,
    `SELECT h.id, h.status, h.amount, h.currency, h.expires_at, ev.stream
       FROM ledger_holds h
       JOIN ledger_entries en ON en.id = h.placed_entry_id
       JOIN ledger_events ev ON ev.seq = en.event_seq
      WHERE h.id = $1 FOR UPDATE OF h`,
    [holdId],
  );
  return row;
}

async function lockPendingHold(tx: Queryable, holdId: string): Promise<HoldRow> {
  const hold = await lockHold(tx, holdId);
  if (!hold) throw new HoldStateError(holdId, 'unknown', `Hold ${holdId} does not exist.`);
  if (hold.status !== 'pending') {
    throw new HoldStateError(
      holdId,
      'not_pending',
      `Hold ${holdId} is ${hold.status}, not pending.`,
    );
  }
  if (hold.expires_at && hold.expires_at <= new Date()) {
    throw new HoldStateError(
      holdId,
      'expired',
      `Hold ${holdId} expired at ${hold.expires_at.toISOString()}.`,
    );
  }
  return hold;
}

/** The placing entry's pending legs, as release legs. */
async function releaseLegs(tx: Queryable, holdId: string): Promise<Leg[]> {
  const rows = await query<
    Pick<LedgerPostingRecord, 'account_id' | 'side' | 'amount' | 'currency'>
  >(
    tx,
    `SELECT p.account_id, p.side, p.amount, p.currency FROM ledger_postings p
       JOIN ledger_entries en ON en.event_seq = p.event_seq
       JOIN ledger_holds h ON h.placed_entry_id = en.id
      WHERE h.id = $1 AND p.kind = 'pending' ORDER BY p.id`,
    [holdId],
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    side: r.side,
    amount: r.amount,
    currency: r.currency,
    kind: 'release',
  }));
}

/**
 * What a hold posts stays within the parties it was placed for: the owners of its accounts (the
 * merchant) and the platform. Posting one merchant's authorization to another's account fails.
 */
async function checkOwners(
  tx: Queryable,
  holdId: string,
  release: readonly Leg[],
  posted: ReadonlyArray<Omit<Leg, 'kind'>>,
): Promise<void> {
  const accounts = await loadAccounts(
    tx,
    [...release, ...posted].map((l) => l.accountId),
  );
  const owners = release.map((l) => {
    const account = accounts.get(l.accountId);
    // The hold's legs were booked against these accounts: one missing is a broken ledger.
    if (!account) throw new Error(`hold ${holdId}: its account ${l.accountId} does not exist`);
    return account.owner;
  });
  const allowed = new Set<string | undefined>([...owners, ...owners.map(platformOwnerOf)]);
  const stranger = posted.find((l) => !allowed.has(accounts.get(l.accountId)?.owner));
  if (stranger) {
    throw new HoldStateError(
      holdId,
      'exceeds_hold',
      `Hold ${holdId} cannot post to account ${stranger.accountId}: it belongs to someone the hold is not for.`,
    );
  }
}

function scaledLegs(hold: HoldRow, release: Leg[], amount: bigint): Array<Omit<Leg, 'kind'>> {
  if (release.length !== 2) {
    throw new InvalidEntryError(
      'invalid_entry',
      `Hold ${hold.id} has ${release.length} legs; say which legs to post.`,
    );
  }
  return release.map(({ kind: _, ...leg }) => ({ ...leg, amount }));
}
