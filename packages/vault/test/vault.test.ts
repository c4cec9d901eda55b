import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { workspaceRoot } from '@kassa/config';
import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { describe, expect, it } from 'vitest';
import {
  CardValidationError,
  findCardNumbers,
  newMasterKeySpec,
  parseVaultKeys,
  VAULT_TABLES,
  Vault,
  VaultError,
  validateCard,
} from '../src/index.ts';

const db = useTestDatabase();
const FINGERPRINT_KEY = 'fingerprint-key-for-the-vault-tests-0123456789';
const k1 = newMasterKeySpec('k1');
const k2 = newMasterKeySpec('k2');
const vaultWith = (...keys: string[]) => new Vault(parseVaultKeys(keys.join(','), FINGERPRINT_KEY));
const card = (number: string) => ({ number, exp_month: 12, exp_year: 2034 });
// The vault judges expiries by the date it is given: the tests give it one.
const NOW = new Date('2026-11-25T12:00:00Z');
const tokenize = (vault: Vault, number: string, merchant = 'mch_a') =>
  withTransaction(db.current.pool, (tx) => vault.tokenize(tx, merchant, card(number), NOW));

describe('card validation', () => {
  const now = NOW;
  const refused = (input: Parameters<typeof validateCard>[0]) => {
    try {
      validateCard(input, now);
    } catch (error) {
      expect(error).toBeInstanceOf(CardValidationError);
      const e = error as CardValidationError;
      expect(e.message).not.toMatch(/\d{6}/);
      return `${e.field}:${e.code}`;
    }
    return 'accepted';
  };

  it('accepts test cards and says what may be known about them', () => {
    expect(validateCard(card('4242 4242 4242 4242'), now)).toEqual({
      number: '4242424242424242',
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2034,
      funding: 'credit',
      country: 'US',
    });
    expect(validateCard(card('5200-8282-8282-8210'), now)).toMatchObject({
      brand: 'mastercard',
      funding: 'debit',
    });
    expect(validateCard({ ...card('378282246310005'), cvc: '1234' }, now)).toMatchObject({
      brand: 'amex',
      last4: '0005',
    });
    expect(validateCard(card('6011111111111117'), now).brand).toBe('discover');
  });

  it('refuses bad numbers, expiries and CVCs with the field and an API card error code', () => {
    expect(refused(card('4242424242424241'))).toBe('number:incorrect_number');
    expect(refused(card('4242 4242 4242'))).toBe('number:invalid_number');
    expect(refused(card('42424242424242424242'))).toBe('number:invalid_number');
    expect(refused(card('4242x42424242424'))).toBe('number:invalid_number');
    expect(refused(card('9999999999999995'))).toBe('number:invalid_number');
    expect(refused({ ...card('4242424242424242'), exp_month: 13 })).toBe(
      'exp_month:invalid_expiry_month',
    );
    expect(refused({ ...card('4242424242424242'), exp_month: 10, exp_year: 2026 })).toBe(
      'exp_month:invalid_expiry_month',
    );
    expect(refused({ ...card('4242424242424242'), exp_year: 2025 })).toBe(
      'exp_year:invalid_expiry_year',
    );
    expect(refused({ ...card('4242424242424242'), exp_year: 2060 })).toBe(
      'exp_year:invalid_expiry_year',
    );
    expect(refused({ ...card('4242424242424242'), exp_month: 11, exp_year: 2026 })).toBe(
      'accepted',
    );
    // The same card on another day: the clock decides, not the machine's date.
    expect(
      validateCard(
        { ...card('4242424242424242'), exp_month: 11, exp_year: 2026 },
        new Date('2026-11-30T23:59:59Z'),
      ).exp_year,
    ).toBe(2026);
    expect(() =>
      validateCard(
        { ...card('4242424242424242'), exp_month: 11, exp_year: 2026 },
        new Date('2026-12-01T00:00:00Z'),
      ),
    ).toThrow(CardValidationError);
    expect(refused({ ...card('4242424242424242'), cvc: '12' })).toBe('cvc:invalid_cvc');
    expect(refused({ ...card('4242424242424242'), cvc: '1234' })).toBe('cvc:invalid_cvc');
    expect(refused({ ...card('378282246310005'), cvc: '123' })).toBe('cvc:invalid_cvc');
  });
});

describe('vault', () => {
  it('stores the number encrypted, once per card, and reveals it only with the key', async () => {
    const vault = vaultWith(k1);
    const a = await tokenize(vault, '4242424242424242', 'mch_a');
    const again = await tokenize(vault, '4242 4242 4242 4242', 'mch_a');
    const otherMerchant = await tokenize(vault, '4242424242424242', 'mch_b');
    expect(again.vaultCardId).toBe(a.vaultCardId);
    expect(otherMerchant.vaultCardId).toBe(a.vaultCardId);
    expect(again.fingerprint).toBe(a.fingerprint);
    expect(otherMerchant.fingerprint).not.toBe(a.fingerprint);
    expect(a).toMatchObject({ brand: 'visa', last4: '4242' });

    const [row] = await query<{ data_key: Buffer; ciphertext: Buffer; key_id: string }>(
      db.current.pool,
      'SELECT data_key, ciphertext, key_id FROM vault_cards WHERE id = $1',
      [a.vaultCardId],
    );
    expect(row?.key_id).toBe('k1');
    expect(row?.ciphertext.toString('latin1')).not.toContain('4242');
    expect(row?.ciphertext.length).toBe(12 + 16 + 16);
    expect(await vault.reveal(db.current.pool, a.vaultCardId)).toBe('4242424242424242');

    // Another install's master key (same id) opens nothing.
    await expect(
      vaultWith(newMasterKeySpec('k1')).reveal(db.current.pool, a.vaultCardId),
    ).rejects.toThrow(VaultError);
  });

  it('concurrent tokenizations of one number store it once', async () => {
    const vault = vaultWith(k1);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => tokenize(vault, '5555555555554444')),
    );
    expect(new Set(results.map((r) => r.vaultCardId)).size).toBe(1);
  });

  it('refuses a record whose parts were swapped or altered', async () => {
    const vault = vaultWith(k1);
    const a = await tokenize(vault, '4000056655665556');
    const b = await tokenize(vault, '5200828282828210');
    // A superuser moves b's ciphertext and key into a's row: the AAD binds them to b.
    await db.current.pool.query(
      `UPDATE vault_cards a SET data_key = b.data_key, ciphertext = b.ciphertext
         FROM vault_cards b WHERE a.id = $1 AND b.id = $2`,
      [a.vaultCardId, b.vaultCardId],
    );
    await expect(vault.reveal(db.current.pool, a.vaultCardId)).rejects.toThrow(/does not decrypt/);
    await db.current.pool.query(
      `UPDATE vault_cards SET ciphertext = set_byte(ciphertext, 20, get_byte(ciphertext, 20) # 1) WHERE id = $1`,
      [b.vaultCardId],
    );
    await expect(vault.reveal(db.current.pool, b.vaultCardId)).rejects.toThrow(/altered/);
  });

  it('rotate-key re-wraps every data key under the new master key; the old key can then go', async () => {
    const numbers = ['4242424242424242', '5555555555554444', '378282246310005', '6011111111111117'];
    const old = vaultWith(k1);
    const ids = [];
    for (const number of numbers) ids.push((await tokenize(old, number)).vaultCardId);
    const [before] = await query<{ ciphertexts: string[] }>(
      db.current.pool,
      'SELECT array_agg(encode(ciphertext, $2) ORDER BY id) AS ciphertexts FROM vault_cards WHERE id = ANY($1)',
      [ids, 'hex'],
    );

    // Before rotation, a vault with only the new key cannot open old cards.
    const newOnly = vaultWith(k2);
    await expect(newOnly.reveal(db.current.pool, ids[0] as string)).rejects.toThrow(
      /"k1", which is not in KASSA_VAULT_KEYS/,
    );

    const rotating = vaultWith(k2, k1);
    const added = await tokenize(rotating, '3566002020360505');
    expect(await rotating.keyUsage(db.current.pool)).toMatchObject({ k2: 1 });
    const progress: number[] = [];
    const { rewrapped, failed } = await rotating.rotateMasterKey(db.current.pool, {
      batchSize: 2,
      onProgress: (n) => progress.push(n),
    });
    expect(rewrapped).toBeGreaterThanOrEqual(numbers.length);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // The record an earlier test swapped parts into stays under k1 and is reported; all else moved.
    expect(failed.map((f) => f.reason)).toEqual([expect.stringMatching(/does not decrypt/)]);
    expect((await rotating.keyUsage(db.current.pool)).k1).toBe(1);
    const again = await rotating.rotateMasterKey(db.current.pool);
    expect(again).toMatchObject({ rewrapped: 0, failed: [expect.anything()] });

    for (const [i, id] of ids.entries()) {
      expect(await newOnly.reveal(db.current.pool, id)).toBe(numbers[i]);
    }
    expect(await newOnly.reveal(db.current.pool, added.vaultCardId)).toBe('3566002020360505');
    const [after] = await query<{ ciphertexts: string[] }>(
      db.current.pool,
      'SELECT array_agg(encode(ciphertext, $2) ORDER BY id) AS ciphertexts FROM vault_cards WHERE id = ANY($1)',
      [ids, 'hex'],
    );
    expect(after?.ciphertexts).toEqual(before?.ciphertexts);
  });

  it('keeps bank accounts as it keeps cards: once per account, encrypted, re-wrapped on rotation', async () => {
    const vault = vaultWith(k1);
    const details = { accountNumber: '000123456789', routingNumber: '110000000' };
    const a = await vault.storeBankAccount(db.current.pool, 'mch_a', details);
    const again = await vault.storeBankAccount(db.current.pool, 'mch_b', details);
    expect(a).toMatchObject({ last4: '6789', vaultBankAccountId: expect.stringMatching(/^vba_/) });
    expect(again.vaultBankAccountId).toBe(a.vaultBankAccountId);
    expect(again.fingerprint).not.toBe(a.fingerprint); // per merchant
    const [row] = await query<{ ciphertext: Buffer }>(
      db.current.pool,
      'SELECT ciphertext FROM vault_bank_accounts WHERE id = $1',
      [a.vaultBankAccountId],
    );
    expect(row?.ciphertext.toString('latin1')).not.toContain('123456789');
    expect(await vault.revealBankAccount(db.current.pool, a.vaultBankAccountId)).toEqual(details);
    await expect(
      vault.storeBankAccount(db.current.pool, 'mch_a', {
        accountNumber: '12-34',
        routingNumber: null,
      }),
    ).rejects.toThrow(VaultError);

    const rotating = vaultWith(k2, k1);
    const { failed } = await rotating.rotateMasterKey(db.current.pool);
    expect(failed.every((f) => !f.id.startsWith('vba_'))).toBe(true);
    expect(await vaultWith(k2).revealBankAccount(db.current.pool, a.vaultBankAccountId)).toEqual(
      details,
    );
  });

  it('refuses malformed key settings', () => {
    expect(() => parseVaultKeys('k1:c2hvcnQ=', FINGERPRINT_KEY)).toThrow(/32 bytes/);
    expect(() => parseVaultKeys(`${k1},${k1}`, FINGERPRINT_KEY)).toThrow(/share an id/);
    expect(() => parseVaultKeys(k1, 'short')).toThrow(/fingerprint key/);
  });
});

describe('findCardNumbers', () => {
  it('finds numbers a brand would issue, alone or grouped, and ignores hashes and timestamps', () => {
    expect(
      findCardNumbers(
        'paid with 4242424242424242, or "5555 5555 5555 4444"; 378282246310005. Not 4242424242424241.',
      ).sort(),
    ).toEqual(['378282246310005', '4242424242424242', '5555555555554444']);
    expect(
      findCardNumbers('a3f4242424242424242b 1795611167123 pi_4242424242424242x 0.5641640000000119'),
    ).toEqual([]);
  });
});

describe('the vault boundary', () => {
  it('no code outside packages/vault reads or writes its tables (tests may look)', async () => {
    const root = workspaceRoot();
    const offenders: string[] = [];
    async function walk(dir: string): Promise<void> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (['node_modules', '.git', '.kassa', '.next', 'dist', '.turbo'].includes(entry.name))
          continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (/\.(ts|tsx|mts|js|mjs|sql)$/.test(entry.name)) {
          const rel = relative(root, path);
          if (rel.startsWith('packages/vault/') || rel.startsWith('packages/db/prisma/')) continue;
          if (rel.startsWith('packages/db/src/generated/') || rel.includes('/test/')) continue;
          const text = await readFile(path, 'utf8');
          if (VAULT_TABLES.some((t) => text.includes(t))) offenders.push(rel);
        }
      }
    }
    await walk(root);
    expect(offenders).toEqual([]);
  });
});
