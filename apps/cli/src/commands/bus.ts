import { type DeadLetter, listDeadLetters, requestDeadLetterRetry } from '@kassa/ledger';
import { withDatabase } from '../database.ts';
import { say, style, warn } from '../output.ts';

/**
 * `kassa bus dead-letters`: the events consumer groups set aside after their handler kept
 * failing. With `--retry` (and a `--group`), asks that group's running consumers to deliver
 * them once more: all of the group's, or the `--id`s given.
 */
export async function deadLettersCommand(options: {
  group?: string;
  status?: string;
  retry?: boolean;
  id?: string[];
}): Promise<number> {
  return withDatabase(async (db) => {
    if (options.retry) {
      if (!options.group) {
        warn('--retry needs --group: a retry is delivered by that group’s consumers.');
        return 2;
      }
      const ids = options.id?.map((id) => {
        if (!/^\d+$/.test(id)) throw new Error(`--id ${id} is not a dead letter id`);
        return BigInt(id);
      });
      const asked = await requestDeadLetterRetry(db.pool, options.group, ids);
      say(
        `Asked group ${options.group} to deliver ${asked} dead letter(s) again; its consumers take them within a second or so.`,
      );
      return 0;
    }
    const statuses = ['dead', 'retry_requested', 'retrying', 'delivered'] as const;
    const status = statuses.find((s) => s === options.status);
    if (options.status && !status) {
      warn(`--status must be one of ${statuses.join(', ')}`);
      return 2;
    }
    const letters = await listDeadLetters(db.pool, {
      ...(options.group && { group: options.group }),
      ...(status && { status }),
      limit: 1000,
    });
    if (letters.length === 0) {
      say(style('green', 'No dead letters.'));
      return 0;
    }
    for (const letter of letters) say(describe(letter));
    say(`${letters.length} dead letter(s).`);
    return 0;
  });
}

const describe = (l: DeadLetter) =>
  `${l.id}\t${l.group}\t${l.event_id}\tposition ${l.position}\t${l.partition_key}\t${l.status}\t${l.attempts} tries\t${l.dead_at.toISOString()}\t${l.error}`;
