import { migrationStatus, seedDemoMerchant } from '@kassa/db';
import { databaseConfig, withDatabase } from '../database.ts';
import { saveDemoKeys } from '../dev/demo-keys.ts';
import { say, style, warn } from '../output.ts';

export async function seedCommand(): Promise<number> {
  const config = databaseConfig();
  return withDatabase(async (db, target) => {
    if (!(await migrationStatus(db.pool)).upToDate) {
      say(style('red', 'The database is not migrated: run `kassa db migrate` first.'));
      return 1;
    }
    const seed = await seedDemoMerchant(db.prisma);
    // Printed before anything else can fail: only the hashes are stored, so this is the one
    // chance to see these keys.
    say(
      `${seed.created ? 'Created' : 'Found'} the demo merchant ${seed.merchantId} (owner ${seed.ownerEmail}).`,
    );
    say('New test-mode API keys. They are shown once; only their hashes are stored:');
    say(`  Secret key       ${style('bold', seed.secretKey)}`);
    say(`  Publishable key  ${style('bold', seed.publishableKey)}`);
    await saveDemoKeys(config.KASSA_DATA_DIR, target.url, seed).catch((error: Error) =>
      warn(`(Could not save them for \`kassa dev\` to show again: ${error.message})`),
    );
    return 0;
  }, config);
}
