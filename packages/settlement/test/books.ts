import type { Queryable } from '@kassa/db';
import { expect } from 'vitest';
import { verifySettlement } from '../src/index.ts';

/**
 * The settlement invariants (verifySettlement) hold: balance transactions agree with the ledger
 * for every merchant account, and every payout with its transactions. Returns how many accounts
 * and payouts were checked, so a test can see that something was.
 */
export async function assertBooksAgree(
  db: Queryable,
): Promise<{ accounts: number; payouts: number }> {
  const report = await verifySettlement(db);
  expect(report.problems).toEqual([]);
  return { accounts: report.accounts, payouts: report.payouts };
}
