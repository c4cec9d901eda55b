import { newId } from '@kassa/contracts';
import { issueApiKey } from '@kassa/db';
import type { TestDatabase } from '@kassa/db/testing';

/** A merchant of its own, with a secret and a publishable key in each mode. */
export async function newMerchant(db: TestDatabase) {
  const merchant = await db.prisma.merchant.create({
    data: { id: newId('merchant'), name: 'Test merchant' },
  });
  const key = (kind: 'secret' | 'publishable', mode: 'test' | 'live') =>
    issueApiKey(db.prisma, { merchantId: merchant.id, kind, mode }).then((k) => k.secret);
  return {
    merchantId: merchant.id,
    secretKey: await key('secret', 'test'),
    publishableKey: await key('publishable', 'test'),
    liveSecretKey: await key('secret', 'live'),
    livePublishableKey: await key('publishable', 'live'),
  };
}
