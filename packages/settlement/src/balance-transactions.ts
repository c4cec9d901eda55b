import { type BalanceTransaction, newId } from '@kassa/contracts';
import { type BalanceTransactionRecord, type Queryable, query } from '@kassa/db';
import { dayOfSql, type SettlementCalendar, shiftSeconds } from './days.ts';
import { SettlementError } from './errors.ts';

/** A balance transaction row as read here (`available_on` as text: a date, not an instant). */
export type BalanceTransactionRow = Omit<
  BalanceTransactionRecord,
  'available_on' | 'fee_details'
> & {
  available_on: string;
  fee_details: BalanceTransaction['fee_details'];
};

export const BALANCE_TRANSACTION_COLUMNS = `id, merchant_id, livemode, type, amount, fee, net, currency,
  fee_details, status, available_on::text AS available_on, source, ledger_entry_id, payout_id, created_at`;

/** Who is asking: one merchant in one mode. Every read and write here is scoped to it. */
export interface Owner {
  merchantId: string;
  livemode: boolean;
}

export function balanceTransactionView(row: BalanceTransactionRow): BalanceTransaction {
  return {
    id: row.id,
    object: 'balance_transaction',
    type: row.type,
    amount: Number(row.amount),
    fee: Number(row.fee),
    fee_details: row.fee_details,
    net: Number(row.net),
    currency: row.currency.toLowerCase(),
    status: row.status,
    available_on: row.available_on,
    source: row.source,
    payout: row.payout_id,
    ledger_entry: row.ledger_entry_id,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/**
 * The journal entries on merchants' pending accounts that have no balance transaction yet, as
 * balance transactions: one per entry, with the merchant's net (what its pending account was
 * credited, less what it was debited), the platform's fee taken in the same entry, and the
 * gross = net + fee. Only posted legs count: an authorization's hold moves no money yet, and a
 * capture's release legs give the hold back. `settle_to_available` (the close's own move) is not a
 * movement of the merchant's money and has none. `scope` narrows the entries (SQL over `e`, the
 * ledger_entries row, with parameters from $3 on).
 */
const CANDIDATES = (scope: string) => `
  WITH entries AS MATERIALIZED (
    SELECT e.id, e.event_seq, e.code, e.created_at, ev.data->>'reference' AS reference
      FROM ledger_entries e JOIN ledger_events ev ON ev.seq = e.event_seq
     WHERE ${scope} AND e.code <> 'settle_to_available'
       AND NOT EXISTS (SELECT 1 FROM balance_transactions bt WHERE bt.ledger_entry_id = e.id)
  ), legs AS (
    -- One row per entry (by event_seq, which ledger_postings indexes): the merchant's net on its
    -- pending account and the platform's fee in the same entry.
    SELECT p.entry_id,
           min(a.owner) FILTER (WHERE a.code = 'merchant_pending') AS owner,
           min(a.currency) FILTER (WHERE a.code = 'merchant_pending') AS currency,
           count(DISTINCT (a.owner, a.currency)) FILTER (WHERE a.code = 'merchant_pending')::int AS accounts,
           sum(CASE WHEN p.side = 'credit' THEN p.amount ELSE -p.amount END)
             FILTER (WHERE a.code = 'merchant_pending')::bigint AS net,
           COALESCE(sum(CASE WHEN p.side = 'credit' THEN p.amount ELSE -p.amount END)
             FILTER (WHERE a.code = 'platform_fees'), 0)::bigint AS fee
      FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
     WHERE p.event_seq IN (SELECT event_seq FROM entries) AND p.kind = 'posted'
       AND a.code IN ('merchant_pending', 'platform_fees')
     GROUP BY p.entry_id
    HAVING count(*) FILTER (WHERE a.code = 'merchant_pending') > 0
  )
  SELECT e.id AS entry_id, e.code, e.created_at, e.reference, l.currency, l.accounts,
         CASE WHEN l.owner LIKE '%:test' THEN left(l.owner, -5) ELSE l.owner END AS merchant_id,
         l.owner NOT LIKE '%:test' AS livemode, l.net, l.fee,
         (${dayOfSql('e.created_at', '$1::float8')} + COALESCE(s.delay_days, $2::int))::text AS available_on
    FROM entries e
    JOIN legs l ON l.entry_id = e.id
    LEFT JOIN payout_schedules s
      ON s.merchant_id = CASE WHEN l.owner LIKE '%:test' THEN left(l.owner, -5) ELSE l.owner END
     AND s.livemode = (l.owner NOT LIKE '%:test')`;

interface Candidate {
  entry_id: string;
  /** How many of the merchants' pending accounts the entry moves (one, or it is refused). */
  accounts: number;
  code: string;
  created_at: Date;
  reference: string | null;
  currency: string;
  merchant_id: string;
  livemode: boolean;
  net: bigint;
  fee: bigint;
  available_on: string;
}

/** The balance transaction type of a journal entry's code (docs/settlement.md lists them). */
export function typeOfEntry(code: string): BalanceTransactionRecord['type'] {
  if (code === 'capture' || code === 'sale') return 'charge';
  if (code === 'refund') return 'refund';
  if (code.startsWith('dispute_')) return 'dispute';
  return 'adjustment';
}

export interface ProjectionOptions {
  calendar: SettlementCalendar;
  /** The delay of merchants without a payout schedule row (the schema's default, 2). */
  defaultDelayDays?: number;
}

/**
 * Writes the balance transactions of journal entries that have none (see CANDIDATES): of the
 * given entries, or (`entryIds` omitted) of the entries of events sealed after `afterPosition`
 * up to `throughPosition`. Idempotent: one transaction per entry (unique ledger_entry_id), so
 * the bus consumer, a close's sweep and a retry can all run it on the same entry. Returns how
 * many it wrote.
 */
export async function projectBalanceTransactions(
  db: Queryable,
  target: { entryIds: string[] } | { afterPosition: bigint; throughPosition: bigint },
  options: ProjectionOptions,
): Promise<number> {
  const params: unknown[] = [shiftSeconds(options.calendar), options.defaultDelayDays ?? 2];
  let scope: string;
  if ('entryIds' in target) {
    if (target.entryIds.length === 0) return 0;
    params.push(target.entryIds);
    scope = 'e.id = ANY($3::text[])';
  } else {
    params.push(target.afterPosition, target.throughPosition);
    scope = `e.event_seq IN (SELECT c.event_seq FROM ledger_chain c
                               WHERE c.position > $3::bigint AND c.position <= $4::bigint)`;
  }
  const candidates = await query<Candidate>(db, CANDIDATES(scope), params);
  if (candidates.length === 0) return 0;
  for (const c of candidates) {
    if (c.accounts !== 1)
      throw new SettlementError(
        'entry_spans_merchants',
        `Journal entry ${c.entry_id} (${c.code}) moves the pending funds of more than one merchant or currency.`,
      );
    if (c.reference === null)
      throw new SettlementError(
        'unreferenced_entry',
        `Journal entry ${c.entry_id} (${c.code}) moves merchant money but names no object (BookOptions.reference).`,
      );
  }
  const inserted = await query(
    db,
    `INSERT INTO balance_transactions
       (id, merchant_id, livemode, type, amount, fee, net, currency, fee_details, status,
        available_on, source, ledger_entry_id, payout_id, created_at)
     SELECT id, merchant_id, livemode, type::balance_transaction_type, net + fee, fee, net,
            currency, fee_details, 'pending', available_on, source, entry_id, NULL, created_at
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[], $5::bigint[], $6::bigint[],
                   $7::text[], $8::jsonb[], $9::date[], $10::text[], $11::text[], $12::timestamptz[])
         AS t(id, merchant_id, livemode, type, net, fee, currency, fee_details, available_on,
              source, entry_id, created_at)
     ON CONFLICT (ledger_entry_id) DO NOTHING
     RETURNING id`,
    [
      candidates.map(() => newId('balanceTransaction')),
      candidates.map((c) => c.merchant_id),
      candidates.map((c) => c.livemode),
      candidates.map((c) => typeOfEntry(c.code)),
      candidates.map((c) => c.net),
      candidates.map((c) => c.fee),
      candidates.map((c) => c.currency),
      candidates.map((c) =>
        JSON.stringify(
          c.fee === 0n
            ? []
            : [
                {
                  type: 'kassa_fee',
                  amount: Number(c.fee),
                  currency: c.currency.toLowerCase(),
                  description: 'Kassa processing fee',
                },
              ],
        ),
      ),
      candidates.map((c) => c.available_on),
      candidates.map((c) => c.reference),
      candidates.map((c) => c.entry_id),
      candidates.map((c) => c.created_at),
    ],
  );
  return inserted.length;
}

/**
 * Sweeps the sealed log from where the last sweep stopped to its head: every entry the bus
 * consumer has not reached yet gets its balance transaction. A close runs it first, so no money
 * waits on a lagging consumer. Chain positions never skip a late commit (docs/ledger.md), so a
 * position watermark misses nothing. Returns how many it wrote.
 */
export async function sweepBalanceTransactions(
  db: Queryable,
  options: ProjectionOptions,
): Promise<number> {
  const [range] = await query<{ after: bigint; head: bigint }>(
    db,
    `SELECT COALESCE((SELECT position FROM settlement_sweep WHERE id = 1), 0)::bigint AS after,
            COALESCE((SELECT max(position) FROM ledger_chain), 0)::bigint AS head`,
  );
  if (!range || range.head <= range.after) return 0;
  const written = await projectBalanceTransactions(
    db,
    { afterPosition: range.after, throughPosition: range.head },
    options,
  );
  await query(
    db,
    `INSERT INTO settlement_sweep (id, position) VALUES (1, $1)
     ON CONFLICT (id) DO UPDATE SET position = GREATEST(settlement_sweep.position, EXCLUDED.position)`,
    [range.head],
  );
  return written;
}
