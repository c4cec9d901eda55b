import { loadConfigOrExit } from '@kassa/config';
import { migrationStatus, seedDemoMerchant } from '@kassa/db';
import { databaseConfig, withDatabase } from '../database.ts';
import { saveDemoKeys } from '../dev/demo-keys.ts';
import { say, style } from '../output.ts';

export async function seedCommand(): Promise<number> {
  const config = databaseConfig();
  const { KASSA_DATA_DIR } = loadConfigOrExit(['KASSA_DATA_DIR']);
  return withDatabase(async (db, target) => {
    if (!(await migrationStatus(db.pool)).upToDate) {
      say(style('red', 'The database is not migrated: run `kassa db migrate` first.'));
      return 1;
    }
    const seed = await seedDemoMerchant(db.prisma);
    await saveDemoKeys(KASSA_DATA_DIR, target.url, seed);
    say(
      `${seed.created ? 'Created' : 'Found'} the demo merchant ${seed.merchantId} (owner ${seed.ownerEmail}).`,
    );
    say('New test-mode API keys. They are shown once; only their hashes are stored:');
    say(`  Secret key       ${style('bold', seed.secretKey)}`);
    say(`  Publishable key  ${style('bold', seed.publishableKey)}`);
    return 0;
  }, config);
}
