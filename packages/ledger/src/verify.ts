import { type Queryable, query } from '@kassa/db';
import type pg from 'pg';
import { InvalidEntryError } from './errors.ts';
import { canonicalEvent, chainHash, GENESIS_HASH } from './events/canonical.ts';
import { EVENT_COLUMNS, readLog, toRecordedEvent } from './events/read.ts';
import type { RecordedEvent } from './events/types.ts';
import { validateLegs } from './journal/entries.ts';
import {
  ACCOUNT_OPENED,
  ENTRY_EVENTS,
  type EntryData,
  FLAGGED,
  POSTING_SUMS,
} from './journal/projector.ts';
import type { Leg } from './journal/types.ts';

export interface VerifyProblem {
  check: 'chain' | 'entry_balance' | 'zero_sum' | 'projection' | 'unsealed';
  message: string;
  position?: bigint;
  eventId?: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  entries: number;
  accounts: number;
  /** Every problem found, in log order; the first names the first bad event. */
  problems: VerifyProblem[];
}

interface TotalsRow {
  account_id: string;
  debits_pending: bigint;
  credits_pending: bigint;
  debits_posted: bigint;
  credits_posted: bigint;
}

type Totals = [
  debitsPending: bigint,
  creditsPending: bigint,
  debitsPosted: bigint,
  creditsPosted: bigint,
];

/**
 * Proves the ledger from its log, reading only:
 * - the chain: positions 1..n without gaps, each hash = SHA-256(previous hash || canonical event);
 * - every journal entry balances (per kind and currency), and all postings sum to zero;
 * - the projections (accounts, entries, postings, balances, holds) equal what the log implies;
 * - every event is either sealed or waiting in the seal queue.
 * Tampering with any row, even by a superuser with triggers disabled, shows up as a problem
 * naming the first event (or account) that no longer adds up.
 */
export async function verifyLedger(
  pool: pg.Pool,
  options: { batchSize?: number } = {},
): Promise<VerifyReport> {
  // One snapshot for every read, so writes going on meanwhile cannot look like a mismatch.
  const db = await pool.connect();
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const report = await verifySnapshot(db, options.batchSize ?? 5000);
    await db.query('COMMIT');
    db.release();
    return report;
  } catch (error) {
    await db.query('ROLLBACK').then(
      () => db.release(),
      () => db.release(error as Error),
    );
    throw error;
  }
}

async function verifySnapshot(db: Queryable, batchSize: number): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const expected = new Map<string, Totals>();
  const netByCurrency = new Map<string, bigint>();
  const expectedHolds = new Map<string, string>();
  const accounts = new Set<string>();
  const entries = new Set<string>();
  let previous: Buffer = GENESIS_HASH;
  let position = 0n;
  let events = 0;

  /** What an event implies for the projections, checked for balance on the way. */
  const absorb = (event: RecordedEvent, where: Pick<VerifyProblem, 'position' | 'eventId'>) => {
    if (event.type === ACCOUNT_OPENED) accounts.add(String(event.data.accountId));
    if (!(ENTRY_EVENTS as readonly string[]).includes(event.type)) return;
    const data = event.data as unknown as EntryData;
    entries.add(data.entryId);
    let legs: Leg[];
    try {
      legs = data.legs.map((l) => ({ ...l, amount: BigInt(l.amount) }));
      validateLegs(legs);
    } catch (error) {
      // Malformed or unbalanced: a finding about this event, not a reason to stop verifying.
      const message =
        error instanceof InvalidEntryError
          ? error.message
          : `unreadable entry: ${(error as Error).message}`;
      problems.push({ check: 'entry_balance', ...where, message });
      return;
    }
    for (const leg of legs) {
      const totals: Totals = expected.get(leg.accountId) ?? [0n, 0n, 0n, 0n];
      const index = (leg.kind === 'posted' ? 2 : 0) + (leg.side === 'credit' ? 1 : 0);
      const amount = leg.amount;
      totals[index] = (totals[index] as bigint) + (leg.kind === 'release' ? -amount : amount);
      expected.set(leg.accountId, totals);
      const key = `${leg.currency} ${leg.kind}`;
      netByCurrency.set(
        key,
        (netByCurrency.get(key) ?? 0n) + (leg.side === 'debit' ? amount : -amount),
      );
    }
    if (data.holdId) {
      expectedHolds.set(
        data.holdId,
        event.type === 'ledger.hold_placed' ? 'pending' : event.type.slice('ledger.hold_'.length),
      );
    }
  };

  for (;;) {
    const batch = await readLog(db, { after: position, limit: batchSize });
    if (batch.length === 0) break;
    const links = await query<{ position: bigint; prev_hash: Buffer; hash: Buffer }>(
      db,
      'SELECT position, prev_hash, hash FROM ledger_chain WHERE position > $1 AND position <= $2 ORDER BY position',
      [position, batch.at(-1)?.position],
    );
    batch.forEach((event, i) => {
      const link = links[i];
      const where = { position: event.position, eventId: event.id };
      if (event.position !== position + 1n) {
        problems.push({
          check: 'chain',
          ...where,
          message: `position ${position + 1n} is missing`,
        });
      } else if (!link?.prev_hash.equals(previous)) {
        problems.push({
          check: 'chain',
          ...where,
          message: 'prev_hash does not match the hash before it',
        });
      } else if (!link.hash.equals(chainHash(previous, canonicalEvent(event)))) {
        problems.push({
          check: 'chain',
          ...where,
          message: 'the event does not match its hash (altered?)',
        });
      }
      previous = link?.hash ?? previous;
      position = event.position;
      events += 1;

      absorb(event, where);
    });
  }

  // Committed but not sealed yet: no position to check, but their postings are in the projections.
  const unsealed = await query<Parameters<typeof toRecordedEvent>[0]>(
    db,
    `SELECT ${EVENT_COLUMNS} FROM ledger_seal_queue q JOIN ledger_events e ON e.seq = q.event_seq
       LEFT JOIN ledger_chain c ON c.event_seq = e.seq ORDER BY e.seq`,
  );
  for (const event of unsealed.map(toRecordedEvent)) absorb(event, { eventId: event.id });

  for (const [key, net] of netByCurrency) {
    if (net !== 0n)
      problems.push({ check: 'zero_sum', message: `${key} postings sum to ${net}, not zero` });
  }
  await compareProjections(db, { expected, expectedHolds, accounts, entries }, problems);
  await checkUnsealed(db, problems);
  return {
    ok: problems.length === 0,
    events,
    entries: entries.size,
    accounts: accounts.size,
    problems,
  };
}

async function compareProjections(
  db: Queryable,
  log: {
    expected: Map<string, Totals>;
    expectedHolds: Map<string, string>;
    accounts: Set<string>;
    entries: Set<string>;
  },
  problems: VerifyProblem[],
): Promise<void> {
  const projection = (message: string) => problems.push({ check: 'projection', message });
  const balances = await query<TotalsRow>(
    db,
    // What getBalance answers: the row, plus for unflagged accounts the postings not folded in yet.
    `SELECT ids.id AS account_id,
            coalesce(b.debits_pending, 0) + coalesce(u.debits_pending, 0) AS debits_pending,
            coalesce(b.credits_pending, 0) + coalesce(u.credits_pending, 0) AS credits_pending,
            coalesce(b.debits_posted, 0) + coalesce(u.debits_posted, 0) AS debits_posted,
            coalesce(b.credits_posted, 0) + coalesce(u.credits_posted, 0) AS credits_posted
       FROM (SELECT id FROM ledger_accounts UNION SELECT account_id FROM ledger_balances) ids
       LEFT JOIN ledger_balances b ON b.account_id = ids.id
       LEFT JOIN ledger_accounts a ON a.id = ids.id
       LEFT JOIN LATERAL (
         SELECT ${POSTING_SUMS} FROM ledger_seal_queue q JOIN ledger_postings p ON p.event_seq = q.event_seq
          WHERE p.account_id = ids.id AND NOT coalesce(${FLAGGED}, false)
       ) u ON true`,
  );
  const postings = await query<TotalsRow>(
    db,
    `SELECT p.account_id, ${POSTING_SUMS} FROM ledger_postings p GROUP BY p.account_id`,
  );
  for (const [name, rows] of [
    ['balances', balances],
    ['postings', postings],
  ] as const) {
    const actual = new Map(
      rows.map((r) => [
        r.account_id,
        [r.debits_pending, r.credits_pending, r.debits_posted, r.credits_posted].join(','),
      ]),
    );
    for (const id of new Set([...actual.keys(), ...log.expected.keys()])) {
      const want = (log.expected.get(id) ?? [0n, 0n, 0n, 0n]).join(',');
      const got = actual.get(id) ?? '0,0,0,0';
      if (want !== got) projection(`${name} of account ${id} are ${got}; the log says ${want}`);
    }
  }
  const accounts = await query<{ id: string }>(db, 'SELECT id FROM ledger_accounts');
  if (accounts.length !== log.accounts.size || accounts.some((a) => !log.accounts.has(a.id))) {
    projection(
      `ledger_accounts has ${accounts.length} accounts; the log opened ${log.accounts.size}`,
    );
  }
  const entries = await query<{ id: string }>(db, 'SELECT id FROM ledger_entries');
  if (entries.length !== log.entries.size || entries.some((e) => !log.entries.has(e.id))) {
    projection(`ledger_entries has ${entries.length} entries; the log booked ${log.entries.size}`);
  }
  const holds = await query<{ id: string; status: string }>(
    db,
    'SELECT id, status FROM ledger_holds',
  );
  const actualHolds = new Map(holds.map((h) => [h.id, h.status]));
  for (const id of new Set([...actualHolds.keys(), ...log.expectedHolds.keys()])) {
    if (actualHolds.get(id) !== log.expectedHolds.get(id)) {
      projection(
        `hold ${id} is ${actualHolds.get(id) ?? 'missing'}; the log says ${log.expectedHolds.get(id) ?? 'none'}`,
      );
    }
  }
}

async function checkUnsealed(db: Queryable, problems: VerifyProblem[]): Promise<void> {
  const orphans = await query<{ id: string }>(
    db,
    `SELECT e.id FROM ledger_events e
      WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.event_seq = e.seq)
        AND NOT EXISTS (SELECT 1 FROM ledger_seal_queue q WHERE q.event_seq = e.seq)
      ORDER BY e.seq LIMIT 10`,
  );
  for (const { id } of orphans) {
    problems.push({
      check: 'unsealed',
      eventId: id,
      message: `event ${id} is neither in the chain nor queued for it`,
    });
  }
}
