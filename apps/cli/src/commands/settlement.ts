import { type Config, databaseVariables, loadConfigOrExit } from '@kassa/config';
import { systemClock } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import {
  addDays,
  closeDay,
  type DayClose,
  lastClosedDay,
  lastEndedDay,
  parseDay,
  resolveReconciliationException,
  type SettlementContext,
  verifySettlement,
} from '@kassa/settlement';
import { withDatabase } from '../database.ts';
import { say, style, warn } from '../output.ts';

const settlementVariables = [...databaseVariables, 'SETTLEMENT_CUTOFF'] as const;

function describeDay(day: DayClose): string {
  if (day.units.length === 0) return `${day.day}: nothing to close`;
  const lines = day.units.map((u) => {
    const parts = [
      `${u.merchantId} ${u.livemode ? 'live' : 'test'} ${u.currency}`,
      u.closed ? '' : '(closed before)',
      u.madeAvailable > 0n ? `available +${u.madeAvailable}` : '',
      u.carriedOver < 0n ? `carried over ${u.carriedOver}` : '',
      u.payoutId ? `payout ${u.payoutId} ${u.payoutAmount}` : '',
    ];
    return `  ${parts.filter(Boolean).join('  ')}`;
  });
  return [`${day.day}: ${day.units.length} close(s)`, ...lines].join('\n');
}

/**
 * `kassa settlement run [--date D] [--merchant m]`: closes settlement days by hand, as the
 * settlement worker does at each cutoff. Without --date, every ended day not closed yet; with
 * it, the missed days before it and then it, oldest first. With --merchant, only that
 * merchant's close of D (the day stays open for the others). Running a day again changes
 * nothing.
 */
export async function settlementRunCommand(options: {
  date?: string;
  merchant?: string;
}): Promise<number> {
  const config: Config<(typeof settlementVariables)[number]> =
    loadConfigOrExit(settlementVariables);
  if (options.date !== undefined) {
    try {
      parseDay(options.date);
    } catch {
      warn(`--date ${options.date} is not a date of the form YYYY-MM-DD`);
      return 2;
    }
  }
  if (options.merchant && !options.date) {
    warn('--merchant needs --date: which day to close for it');
    return 2;
  }
  return withDatabase(async (db) => {
    const ctx: SettlementContext = {
      pool: db.pool,
      clock: systemClock,
      calendar: { cutoffMinutes: config.SETTLEMENT_CUTOFF },
      actor: 'cli',
    };
    const target = options.date ?? lastEndedDay(ctx.clock.now(), ctx.calendar);
    if (options.merchant) {
      say(describeDay(await closeDay(ctx, target, { merchantId: options.merchant })));
      return 0;
    }
    const last = await lastClosedDay(db.pool);
    let day = last === null || last >= target ? target : addDays(last, 1);
    for (; day <= target; day = addDays(day, 1)) say(describeDay(await closeDay(ctx, day)));
    say(style('green', `Closed through ${target}.`));
    return 0;
  }, config);
}

/**
 * `kassa settlement verify`: balance transactions against the ledger, and payouts against their
 * transactions (verifySettlement). Exit 1 on any disagreement, naming it.
 */
export async function settlementVerifyCommand(): Promise<number> {
  return withDatabase(async (db) => {
    const report = await verifySettlement(db.pool);
    for (const problem of report.problems) warn(problem);
    if (report.problems.length > 0) return 1;
    say(
      style(
        'green',
        `Settlement OK: ${report.accounts} merchant account(s) agree with their balance transactions; ${report.payouts} payout(s) with theirs.`,
      ),
    );
    return 0;
  });
}

/**
 * `kassa reconciliation exceptions [--status open|resolved]`: every merchant's exceptions and the
 * platform's own (those with no merchant, such as the acquirer's settlement credit), newest first.
 */
export async function reconciliationExceptionsCommand(options: {
  status?: string;
}): Promise<number> {
  if (options.status && options.status !== 'open' && options.status !== 'resolved') {
    warn('--status must be open or resolved');
    return 2;
  }
  return withDatabase(async (db) => {
    const { rows } = await db.pool.query<{
      id: string;
      day: string;
      source: string;
      kind: string;
      merchant_id: string | null;
      livemode: boolean;
      description: string;
      status: string;
    }>(
      `SELECT id, day::text AS day, source::text AS source, kind, merchant_id, livemode, description,
              status::text AS status
         FROM reconciliation_exceptions
        WHERE $1::text IS NULL OR status::text = $1
        ORDER BY created_at DESC, id DESC LIMIT 1000`,
      [options.status ?? null],
    );
    if (rows.length === 0) {
      say(style('green', 'No reconciliation exceptions.'));
      return 0;
    }
    for (const e of rows)
      say(
        `${e.id}  ${e.day}  ${e.source}  ${e.kind}  ${e.merchant_id ?? 'platform'} ${e.livemode ? 'live' : 'test'}  ${e.status}\n    ${e.description}`,
      );
    say(`${rows.length} exception(s).`);
    return 0;
  });
}

/** `kassa reconciliation resolve <id> --note "…"`: resolves one, as the operator (`operator:cli`). */
export async function reconciliationResolveCommand(id: string, options: { note: string }) {
  if (options.note.trim().length < 3) {
    warn('--note says why it is resolved (at least 3 characters)');
    return 2;
  }
  return withDatabase(async (db) => {
    const resolved = await withTransaction(db.pool, (tx) =>
      resolveReconciliationException(tx, null, {
        id,
        note: options.note.trim(),
        actor: `operator:${process.env.USER ?? 'cli'}`,
        clock: systemClock,
      }),
    );
    say(style('green', `Resolved ${resolved.id} (${resolved.kind} ${resolved.reference}).`));
    return 0;
  });
}
