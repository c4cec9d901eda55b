import { relative } from 'node:path';
import {
  createMigration,
  diffDatabaseToSchema,
  type MigrationState,
  migrate,
  migrationStatus,
  migrationsDir,
} from '@kassa/db';
import { withDatabase } from '../database.ts';
import { redactUrl, say, style } from '../output.ts';

export async function migrateCommand(): Promise<void> {
  await withDatabase(async (db, target) => {
    say(`Database ${redactUrl(target.url)}`);
    const applied = await migrate(db.pool, { log: (m) => say(`  ${m}`) });
    say(applied.length === 0 ? 'Already up to date.' : `Applied ${applied.length} migration(s).`);
  });
}

const MARK: Record<MigrationState, string> = {
  applied: style('green', '✓ applied'),
  pending: style('yellow', '• pending'),
  edited: style('red', '✗ edited after it was applied'),
  failed: style('red', '✗ failed, unresolved'),
};

/** Exit code 0 only when every migration is applied unchanged and the schema has not drifted. */
export async function statusCommand(): Promise<number> {
  return withDatabase(async (db, target) => {
    say(`Database   ${redactUrl(target.url)}${target.embedded ? ' (embedded)' : ''}`);
    say(`Migrations ${relative(process.cwd(), migrationsDir) || migrationsDir}`);
    const status = await migrationStatus(db.pool);
    for (const m of status.migrations) {
      const when = m.appliedAt ? style('dim', `  ${m.appliedAt.toISOString()}`) : '';
      say(`  ${MARK[m.state]}  ${m.name}${when}`);
    }
    for (const name of status.unknownApplied) {
      say(`  ${style('yellow', '? applied, no folder here')}  ${name}`);
    }
    if (!status.upToDate) {
      say(style('yellow', 'Not up to date: run `kassa db migrate`.'));
      return 1;
    }
    const diff = await diffDatabaseToSchema(target.url);
    if (diff.inSync) {
      say(`Schema     ${style('green', 'in sync with schema.prisma')}`);
      return 0;
    }
    say(`Schema     ${style('red', 'drift: the database differs from schema.prisma')}`);
    say('SQL that would bring the database to the schema:');
    say(diff.sql);
    return 1;
  });
}

export async function newMigrationCommand(name: string): Promise<void> {
  await withDatabase(async (_db, target) => {
    const created = await createMigration(target.url, name);
    if (!created) {
      say('schema.prisma matches the migrations; no migration created.');
      return;
    }
    say(`Created prisma/migrations/${created.folder}/migration.sql:`);
    say(created.sql);
    say('Review it, then apply with `kassa db migrate`.');
  });
}
