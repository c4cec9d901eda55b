import { z } from 'zod';

/**
 * Kassa's one id generator. Ids are `<prefix>_<24 base62 characters>` (about 143 bits of
 * randomness), so an id says what it names and cannot be guessed or enumerated.
 */
export const idPrefixes = {
  merchant: 'mch',
  user: 'usr',
  membership: 'mbr',
  dashboardSession: 'dss',
  apiKey: 'key',
  event: 'evt',
  ledgerAccount: 'acct',
  journalEntry: 'je',
  hold: 'hold',
  paymentIntent: 'pi',
  paymentMethod: 'pm',
  refund: 're',
  vaultCard: 'vc',
  paymentAttempt: 'pa',
  webhookEndpoint: 'we',
  webhookDelivery: 'whd',
  checkoutSession: 'cs',
  invitation: 'inv',
  passwordReset: 'pwr',
  balanceTransaction: 'txn',
  payout: 'po',
  vaultBankAccount: 'vba',
  bankAccount: 'ba',
  reconciliationRun: 'rcn',
  reconciliationException: 'rex',
  riskAssessment: 'ra',
  riskRule: 'rule',
  riskList: 'rl',
  riskListItem: 'rli',
  review: 'rev',
  riskAlert: 'ral',
  dispute: 'dp',
  file: 'file',
  customer: 'cus',
} as const;

export type IdKind = keyof typeof idPrefixes;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_RANDOM_LENGTH = 24;

/** `length` random base62 characters from the platform CSPRNG, without modulo bias. */
export function randomBase62(length: number): string {
  let out = '';
  // getRandomValues fills at most 65,536 bytes per call; ids need far fewer.
  const bytes = new Uint8Array(Math.min(65_536, length * 2));
  while (out.length < length) {
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      // 248 = 62 * 4: bytes at or above it would favour the first characters.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${randomBase62(ID_RANDOM_LENGTH)}`;
}

/** A zod schema accepting exactly the ids of one kind. */
export function idSchema(kind: IdKind) {
  return z.string().regex(new RegExp(`^${idPrefixes[kind]}_[0-9A-Za-z]{${ID_RANDOM_LENGTH}}$`), {
    error: `must be a ${kind} id (${idPrefixes[kind]}_...)`,
  });
}
