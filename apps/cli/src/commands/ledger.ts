import { basename } from 'node:path';
import {
  CheckpointError,
  type CheckpointReport,
  loadCheckpointPrivateKey,
  loadCheckpointPublicKey,
  rebuildProjections,
  sealAll,
  verifyCheckpoints,
  verifyLedger,
  writeCheckpoint,
  writeCheckpointKey,
} from '@kassa/ledger';
import { withDatabase } from '../database.ts';
import { say, style, warn } from '../output.ts';

/**
 * `kassa ledger verify [--checkpoints <dir> [--public-key <file>...]]`: exit 0 only when the
 * chain, the entries and the projections all hold and, with --checkpoints, every checkpoint in
 * the directory is signed by a trusted key and matches the chain.
 */
export async function verifyCommand(
  options: { checkpoints?: string; publicKey?: string[] } = {},
): Promise<number> {
  if (options.publicKey && options.checkpoints === undefined) {
    warn('--public-key checks checkpoints: pass --checkpoints <dir> too.');
    return 2;
  }
  // Read the keys before opening the database: a wrong path should not wait for PostgreSQL.
  const publicKeys = await reportingCheckpointErrors(() =>
    Promise.all((options.publicKey ?? []).map(loadCheckpointPublicKey)),
  );
  if (publicKeys === undefined) return 1;
  return withDatabase(async (db) => {
    // Chain what has committed but is not sealed yet, so the whole log is checked.
    await sealAll(db.pool);
    const logOk = printLedgerReport(await verifyLedger(db.pool));
    const dir = options.checkpoints;
    if (dir === undefined) return logOk ? 0 : 1;
    const report = await verifyCheckpoints(db.pool, {
      dir,
      publicKeys: publicKeys.length > 0 ? publicKeys : undefined,
    });
    if (publicKeys.length === 0 && report.keyIds.length > 0) {
      say(
        style(
          'dim',
          `Trusting the public key(s) found in ${dir} (${report.keyIds.join(', ')}); pass --public-key to pin your own copy.`,
        ),
      );
    }
    const checkpointsOk = printCheckpointReport(report);
    return logOk && checkpointsOk ? 0 : 1;
  });
}

function printLedgerReport(report: Awaited<ReturnType<typeof verifyLedger>>): boolean {
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
    return true;
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
  return false;
}

function printCheckpointReport(report: CheckpointReport): boolean {
  say(`Checked ${report.checkpoints} checkpoint(s) against the chain (head at ${report.head}).`);
  if (report.ok && report.newest) {
    const unanchored =
      report.head > report.newest.position
        ? ` Positions ${report.newest.position + 1n}..${report.head} are not anchored yet.`
        : '';
    say(
      style(
        'green',
        `Checkpoints verified: the log is anchored up to position ${report.newest.position} (${basename(report.newest.file)}).${unanchored}`,
      ),
    );
    return true;
  }
  const [first] = report.problems;
  warn(style('red', `Checkpoint verification FAILED: ${report.problems.length} problem(s).`));
  if (first?.file) warn(`First bad checkpoint: ${first.file} at position ${first.position ?? '?'}`);
  for (const problem of report.problems.slice(0, 20)) {
    warn(`  [${problem.check}] ${problem.message}`);
  }
  if (report.problems.length > 20) warn(`  ... and ${report.problems.length - 20} more`);
  return false;
}

/** `kassa ledger checkpoint --dir <dir> --key <file>`: sign the chain's head into `dir`. */
export async function checkpointCommand(options: { dir: string; key: string }): Promise<number> {
  const privateKey = await reportingCheckpointErrors(() => loadCheckpointPrivateKey(options.key));
  if (privateKey === undefined) return 1;
  return withDatabase(async (db) => {
    // Seal first, so the checkpoint covers everything that committed before the command ran.
    await sealAll(db.pool);
    const result = await reportingCheckpointErrors(() =>
      writeCheckpoint(db.pool, { dir: options.dir, privateKey }),
    );
    if (result === undefined) return 1;
    if (!result.written) {
      say(
        result.reason === 'empty_chain'
          ? 'The chain is empty; nothing to checkpoint.'
          : `The chain head has not moved since ${result.file}; nothing written.`,
      );
      return 0;
    }
    const { position, hash, keyId } = result.checkpoint;
    say(`Wrote ${result.file}: position ${position}, hash ${hash}, key ${keyId}.`);
    return 0;
  });
}

/** `kassa ledger checkpoint-key --out <dir>`: a new Ed25519 key pair for signing checkpoints. */
export async function checkpointKeyCommand(options: { out: string }): Promise<number> {
  const pair = await writeCheckpointKey(options.out);
  say(`Checkpoint key ${pair.keyId}:`);
  say(`  private key (mode 0600, keep it off the database's machine): ${pair.privateKeyFile}`);
  say(`  public key (give it to whoever verifies): ${pair.publicKeyFile}`);
  say();
  say(pair.publicKeyPem.trimEnd());
  return 0;
}

/** A CheckpointError is the operator's to fix (a path, a key, a rewritten chain): no stack. */
async function reportingCheckpointErrors<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    warn(style('red', error.message));
    return undefined;
  }
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
