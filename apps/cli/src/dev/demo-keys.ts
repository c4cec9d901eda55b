import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DemoSeed,
  hashApiKey,
  type PrismaClient,
  seedDemoMerchant,
  writePrivateFile,
} from '@kassa/db';

/**
 * The demo keys are stored only as hashes in the database. So that `npm start` can show them on
 * every start of a local install, the plaintext test keys are kept in the git-ignored data folder
 * (mode 0600), tagged with the database they belong to.
 */
interface SavedDemoKeys {
  database: string;
  merchantId: string;
  ownerEmail: string;
  secretKey: string;
  publishableKey: string;
}

export type DemoKeys = Omit<SavedDemoKeys, 'database'>;

const file = (dataDir: string) => join(dataDir, 'demo-keys.json');

/** Identifies a database without its password. */
function databaseTag(url: string): string {
  const parsed = new URL(url);
  return createHash('sha256')
    .update(`${parsed.hostname}:${parsed.port}${parsed.pathname}`)
    .digest('hex')
    .slice(0, 16);
}

export async function saveDemoKeys(
  dataDir: string,
  databaseUrl: string,
  seed: DemoSeed,
): Promise<void> {
  const saved: SavedDemoKeys = {
    database: databaseTag(databaseUrl),
    merchantId: seed.merchantId,
    ownerEmail: seed.ownerEmail,
    secretKey: seed.secretKey,
    publishableKey: seed.publishableKey,
  };
  await writePrivateFile(file(dataDir), `${JSON.stringify(saved, null, 2)}\n`);
}

/**
 * Seeds the demo merchant into an empty database (first start) and returns its keys; on later
 * starts returns the saved keys if they still work, or undefined.
 */
export async function demoKeysForDev(
  prisma: PrismaClient,
  dataDir: string,
  databaseUrl: string,
): Promise<{ keys: DemoKeys; seeded: boolean } | undefined> {
  if ((await prisma.merchant.count()) === 0) {
    const seed = await seedDemoMerchant(prisma);
    // Not saving only costs showing them again on the next start; this start still shows them.
    await saveDemoKeys(dataDir, databaseUrl, seed).catch(() => {});
    return { keys: seed, seeded: true };
  }
  const saved = await readFile(file(dataDir), 'utf8').then(
    (text) => JSON.parse(text) as SavedDemoKeys,
    () => undefined,
  );
  if (!saved || saved.database !== databaseTag(databaseUrl)) return undefined;
  const live = await prisma.apiKey.count({
    where: {
      hash: { in: [hashApiKey(saved.secretKey), hashApiKey(saved.publishableKey)] },
      revokedAt: null,
    },
  });
  if (live !== 2) return undefined;
  const { database: _, ...keys } = saved;
  return { keys, seeded: false };
}
