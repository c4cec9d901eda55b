import { newId } from '@kassa/contracts';
import { issueApiKey } from './api-keys.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

export const DEMO_MERCHANT_NAME = 'Demo Merchant';
export const DEMO_OWNER_EMAIL = 'owner@demo.kassa.test';

export interface DemoSeed {
  merchantId: string;
  ownerEmail: string;
  created: boolean;
  /** Printed once: only hashes are stored. */
  secretKey: string;
  publishableKey: string;
}

/**
 * The demo merchant with its owner, plus a fresh pair of random test-mode keys. Running it again
 * reuses the merchant and owner and issues a new pair (the old keys keep working).
 */
export async function seedDemoMerchant(prisma: PrismaClient): Promise<DemoSeed> {
  const { merchantId, created } = await prisma.$transaction(async (tx) => {
    const owner = await tx.user.upsert({
      where: { email: DEMO_OWNER_EMAIL },
      update: {},
      create: { id: newId('user'), email: DEMO_OWNER_EMAIL, name: 'Demo Owner' },
    });
    const existing = await tx.membership.findFirst({
      where: { userId: owner.id, role: 'owner', merchant: { name: DEMO_MERCHANT_NAME } },
    });
    if (existing) return { merchantId: existing.merchantId, created: false };
    const merchant = await tx.merchant.create({
      data: {
        id: newId('merchant'),
        name: DEMO_MERCHANT_NAME,
        memberships: { create: { id: newId('membership'), userId: owner.id, role: 'owner' } },
      },
    });
    return { merchantId: merchant.id, created: true };
  });
  const secret = await issueApiKey(prisma, {
    merchantId,
    kind: 'secret',
    mode: 'test',
    name: 'Demo secret key',
  });
  const publishable = await issueApiKey(prisma, {
    merchantId,
    kind: 'publishable',
    mode: 'test',
    name: 'Demo publishable key',
  });
  return {
    merchantId,
    ownerEmail: DEMO_OWNER_EMAIL,
    created,
    secretKey: secret.secret,
    publishableKey: publishable.secret,
  };
}
