import { rebuildProjections, sealAll, verifyLedger } from '@kassa/ledger';
import { withDatabase } from '../database.ts';
import { say, style, warn } from '../output.ts';

/** `kassa ledger verify`: exit 0 only when the chain, the entries and the projections all hold. */
export async function verifyCommand(): Promise<number> {
  return withDatabase(async (db) => {
    // Chain what has committed but is not sealed yet, so the whole log is checked.
    await sealAll(db.pool);
    const report = await verifyLedger(db.pool);
    say(
      `Checked ${report.events} events, ${report.entries} journal entries, ${report.accounts} accounts.`,
    );
    if (report.ok) {
      say(
        style(
          'green',
          'Ledger verified: hash chain intact, every entry balances, projections match the log.',
        ),
      );
      return 0;
    }
    const [first] = report.problems;
    warn(style('red', `Ledger verification FAILED: ${report.problems.length} problem(s).`));
    if (first?.eventId)
      warn(`First bad event: ${first.eventId} at position ${first.position ?? '?'}`);
    for (const problem of report.problems.slice(0, 20)) {
      const at = problem.position
        ? ` (position ${problem.position}${problem.eventId ? `, ${problem.eventId}` : ''})`
        : '';
      warn(`  [${problem.check}]${at} ${problem.message}`);
    }
    if (report.problems.length > 20) warn(`  ... and ${report.problems.length - 20} more`);
    return 1;
  });
}

/** `kassa ledger rebuild`: recreate every journal projection from the log. */
export async function rebuildCommand(): Promise<number> {
  return withDatabase(async (db) => {
    const started = Date.now();
    const result = await rebuildProjections(db.pool);
    say(
      `Rebuilt the journal projections from ${result.events} events (${result.ledgerEvents} ledger events) in ${Date.now() - started} ms.`,
    );
    return 0;
  });
}
