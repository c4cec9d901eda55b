import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { newId } from '@kassa/contracts';
import {
  type Queryable,
  query,
  type VaultBankAccountRecord,
  type VaultCardRecord,
  withTransaction,
} from '@kassa/db';
import type pg from 'pg';
import { type CardDetails, type CardInput, normalizeNumber, validateCard } from './card.ts';
import type { MasterKey, VaultKeys } from './keys.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A card stored in the vault, as the rest of Kassa may know it. */
export interface TokenizedCard extends CardDetails {
  vaultCardId: string;
  /** HMAC of the merchant and the card's vault fingerprint: stable per merchant, useless across. */
  fingerprint: string;
}

/** The vault cannot open a card: its key is not configured, or the record was altered. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
}

/** AES-256-GCM: IV ‖ ciphertext ‖ tag, bound to `aad` (which record, which key). */
function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/** What each ciphertext is bound to, so a record's parts cannot be swapped with another's. */
const numberAad = (cardId: string) => `kassa-vault/number/${cardId}`;
const bankAccountAad = (id: string) => `kassa-vault/bank-account/${id}`;
const dataKeyAad = (cardId: string, keyId: string) => `kassa-vault/data-key/${cardId}/${keyId}`;

/**
 * A row of vault_cards (schema.prisma: VaultCard). Its bytea columns are Prisma `Bytes`
 * (Uint8Array<ArrayBuffer>), but pg returns bytea as a Buffer, which this code relies on
 * (subarray, timingSafeEqual, toString), so they are narrowed to Buffer.
 */
type VaultCardRow = Omit<VaultCardRecord, 'fingerprint' | 'data_key' | 'ciphertext'> & {
  fingerprint: Buffer;
  data_key: Buffer;
  ciphertext: Buffer;
};

/** What decrypting a record (a card or a bank account) reads. */
type VaultRow = Pick<VaultCardRow, 'id' | 'key_id' | 'data_key' | 'ciphertext'>;

// Typecheck fails when the bank account table stops having the columns decrypting reads.
type _BankAccountRow = Pick<VaultBankAccountRecord, keyof VaultRow>;

/** A bank account as Kassa may know it outside the vault. */
export interface VaultedBankAccount {
  vaultBankAccountId: string;
  last4: string;
  /** HMAC of the merchant and the account: tells a merchant's accounts apart, useless across. */
  fingerprint: string;
}

/** A bank account's details: only the vault and the one call that pays into it see them. */
export interface BankAccountDetails {
  /** Digits only, 4–17 of them. */
  accountNumber: string;
  /** The bank's routing number (9 digits), or null where the country uses none. */
  routingNumber: string | null;
}

/**
 * The vault: the only code that reads or writes `vault_cards` and `vault_bank_accounts` (a test
 * keeps it so). Cards are described here; merchants' bank accounts are kept the same way.
 *
 * Each card number is encrypted with AES-256-GCM under a random data key of its own; the data key
 * is encrypted under the active master key, whose id is stored beside it. Rotating the master key
 * re-wraps the data keys only: card ciphertexts never change. A card is stored once per number
 * (found by its HMAC fingerprint); payment methods of any merchant point at it. The CVC is never
 * accepted here.
 */
export class Vault {
  constructor(private readonly keys: VaultKeys) {}

  get activeKeyId(): string {
    return this.keys.active.id;
  }

  /**
   * Validates a card and stores its number (or finds it already stored), inside the caller's
   * transaction. Returns what may be known about it outside the vault.
   */
  async tokenize(
    tx: Queryable,
    merchantId: string,
    card: Omit<CardInput, 'cvc'>,
    now: Date = new Date(),
  ): Promise<TokenizedCard> {
    const { number, ...details } = validateCard(card, now);
    const fingerprint = createHmac('sha256', this.keys.fingerprintKey).update(number).digest();
    const vaultCardId = await this.storeOnce(
      tx,
      'vault_cards',
      'vaultCard',
      fingerprint,
      number,
      numberAad,
    );
    return {
      ...details,
      vaultCardId,
      fingerprint: this.merchantFingerprint(merchantId, fingerprint),
    };
  }

  /**
   * Whether `number` is the card stored as `vaultCardId`, by fingerprint (compared in constant
   * time): to tell a retry with the same card from one with another, without decrypting.
   */
  async holds(db: Queryable, vaultCardId: string, number: string): Promise<boolean> {
    const [row] = await query<Pick<VaultCardRow, 'fingerprint'>>(
      db,
      'SELECT fingerprint FROM vault_cards WHERE id = $1',
      [vaultCardId],
    );
    if (!row) throw new VaultError(`Vault card ${vaultCardId} does not exist.`);
    const presented = createHmac('sha256', this.keys.fingerprintKey)
      .update(normalizeNumber(number))
      .digest();
    return (
      presented.length === row.fingerprint.length && timingSafeEqual(presented, row.fingerprint)
    );
  }

  /**
   * The card number, for the one call that needs it (the acquirer's authorization). Callers keep
   * it in memory for that call only and never log, store or return it.
   */
  async reveal(db: Queryable, vaultCardId: string): Promise<string> {
    const [row] = await query<VaultRow>(
      db,
      'SELECT id, key_id, data_key, ciphertext FROM vault_cards WHERE id = $1',
      [vaultCardId],
    );
    if (!row) throw new VaultError(`Vault card ${vaultCardId} does not exist.`);
    const dataKey = this.unwrap(row);
    try {
      return open(dataKey, row.ciphertext, numberAad(row.id)).toString('utf8');
    } catch {
      throw new VaultError(`Vault card ${row.id} does not decrypt: the record was altered.`);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The record of `table` with this fingerprint, or a new one: `plaintext` sealed under a data
   * key of its own (bound to the record by `aad`), the data key wrapped by the active master
   * key. A concurrent store of the same value may win the insert; then its record is the one.
   */
  private async storeOnce(
    tx: Queryable,
    table: (typeof VAULT_TABLES)[number],
    kind: 'vaultCard' | 'vaultBankAccount',
    fingerprint: Buffer,
    plaintext: string,
    aad: (id: string) => string,
  ): Promise<string> {
    const [existing] = await query<{ id: string }>(
      tx,
      `SELECT id FROM ${table} WHERE fingerprint = $1`,
      [fingerprint],
    );
    if (existing) return existing.id;
    const id = newId(kind);
    const dataKey = randomBytes(32);
    try {
      const ciphertext = seal(dataKey, Buffer.from(plaintext, 'utf8'), aad(id));
      const wrapped = seal(this.keys.active.key, dataKey, dataKeyAad(id, this.keys.active.id));
      const [row] = await query<{ id: string }>(
        tx,
        `INSERT INTO ${table} (id, fingerprint, key_id, data_key, ciphertext)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (fingerprint) DO UPDATE SET fingerprint = EXCLUDED.fingerprint
         RETURNING id`,
        [id, fingerprint, this.keys.active.id, wrapped, ciphertext],
      );
      return row?.id ?? id;
    } finally {
      dataKey.fill(0);
    }
  }

  /** HMAC of the merchant and a record's fingerprint: stable per merchant, useless across. */
  private merchantFingerprint(merchantId: string, fingerprint: Buffer): string {
    return createHmac('sha256', this.keys.fingerprintKey)
      .update(`merchant/${merchantId}/`)
      .update(fingerprint)
      .digest('base64url')
      .slice(0, 16);
  }

  private unwrap(row: VaultRow): Buffer {
    const master: MasterKey | undefined = this.keys.byId.get(row.key_id);
    if (!master) {
      throw new VaultError(
        `Vault record ${row.id} is wrapped by master key "${row.key_id}", which is not in KASSA_VAULT_KEYS.`,
      );
    }
    try {
      return open(master.key, row.data_key, dataKeyAad(row.id, row.key_id));
    } catch {
      throw new VaultError(
        `The data key of vault record ${row.id} does not decrypt under master key "${row.key_id}".`,
      );
    }
  }

  /**
   * Stores a merchant's bank account (or finds it stored), inside the caller's transaction, as
   * cards are stored: its own data key, wrapped by the active master key; found again by an
   * HMAC fingerprint. Returns what may be known of it outside the vault: the last 4 digits.
   */
  async storeBankAccount(
    tx: Queryable,
    merchantId: string,
    details: BankAccountDetails,
  ): Promise<VaultedBankAccount> {
    if (!/^\d{4,17}$/.test(details.accountNumber))
      throw new VaultError('A bank account number is 4 to 17 digits.');
    if (details.routingNumber !== null && !/^\d{9}$/.test(details.routingNumber))
      throw new VaultError('A routing number is 9 digits.');
    const plaintext = JSON.stringify([details.routingNumber, details.accountNumber]);
    const fingerprint = createHmac('sha256', this.keys.fingerprintKey)
      .update('bank-account/')
      .update(plaintext)
      .digest();
    const id = await this.storeOnce(
      tx,
      'vault_bank_accounts',
      'vaultBankAccount',
      fingerprint,
      plaintext,
      bankAccountAad,
    );
    return {
      vaultBankAccountId: id,
      last4: details.accountNumber.slice(-4),
      fingerprint: this.merchantFingerprint(merchantId, fingerprint),
    };
  }

  /**
   * A bank account's details, for the one call that needs them (sending a payout to the bank).
   * Callers keep them in memory for that call only and never log, store or return them.
   */
  async revealBankAccount(db: Queryable, vaultBankAccountId: string): Promise<BankAccountDetails> {
    const [row] = await query<VaultRow>(
      db,
      'SELECT id, key_id, data_key, ciphertext FROM vault_bank_accounts WHERE id = $1',
      [vaultBankAccountId],
    );
    if (!row) throw new VaultError(`Vault bank account ${vaultBankAccountId} does not exist.`);
    const dataKey = this.unwrap(row);
    try {
      const [routingNumber, accountNumber] = JSON.parse(
        open(dataKey, row.ciphertext, bankAccountAad(row.id)).toString('utf8'),
      ) as [string | null, string];
      return { accountNumber, routingNumber };
    } catch {
      throw new VaultError(
        `Vault bank account ${row.id} does not decrypt: the record was altered.`,
      );
    } finally {
      dataKey.fill(0);
    }
  }

  /** How many records (cards and bank accounts) each master key wraps. */
  async keyUsage(db: Queryable): Promise<Record<string, number>> {
    const rows = await query<Pick<VaultCardRow, 'key_id'> & { records: number }>(
      db,
      `SELECT key_id, count(*)::int AS records
         FROM (SELECT key_id FROM vault_cards UNION ALL SELECT key_id FROM vault_bank_accounts) r
        GROUP BY key_id ORDER BY key_id`,
    );
    return Object.fromEntries(rows.map((r) => [r.key_id, r.records]));
  }

  /**
   * Re-wraps every data key (of cards, then bank accounts) not yet under the active master key,
   * in batches of `batchSize` (each its own transaction; rows being re-wrapped by a concurrent
   * run are skipped, and records stored meanwhile are already under the active key).
   * Ciphertexts are untouched. A record that does not decrypt is left as it is and reported in `failed`; the
   * rest are still re-wrapped. When `failed` is empty, older keys can leave KASSA_VAULT_KEYS.
   */
  async rotateMasterKey(
    pool: pg.Pool,
    options: { batchSize?: number; onProgress?: (rewrapped: number) => void } = {},
  ): Promise<{ rewrapped: number; failed: Array<{ id: string; reason: string }> }> {
    const failed: Array<{ id: string; reason: string }> = [];
    let rewrapped = 0;
    for (const table of VAULT_TABLES) {
      rewrapped += await this.rewrapTable(pool, table, options.batchSize ?? 500, failed, (n) =>
        options.onProgress?.(rewrapped + n),
      );
    }
    return { rewrapped, failed };
  }

  private async rewrapTable(
    pool: pg.Pool,
    table: (typeof VAULT_TABLES)[number],
    batchSize: number,
    failed: Array<{ id: string; reason: string }>,
    onProgress: (rewrapped: number) => void,
  ): Promise<number> {
    const active = this.keys.active;
    let rewrapped = 0;
    let after = '';
    for (;;) {
      const batch = await withTransaction(pool, async (tx) => {
        const rows = await query<VaultRow>(
          tx,
          `SELECT id, key_id, data_key, ciphertext FROM ${table} WHERE key_id <> $1 AND id > $2
           ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [active.id, after, batchSize],
        );
        let done = 0;
        for (const row of rows) {
          let dataKey: Buffer;
          try {
            dataKey = this.unwrap(row);
          } catch (error) {
            failed.push({ id: row.id, reason: (error as Error).message });
            continue;
          }
          try {
            await tx.query(
              `UPDATE ${table} SET key_id = $2, data_key = $3, rewrapped_at = now() WHERE id = $1`,
              [row.id, active.id, seal(active.key, dataKey, dataKeyAad(row.id, active.id))],
            );
            done += 1;
          } finally {
            dataKey.fill(0);
          }
        }
        return { seen: rows.length, done, last: rows.at(-1)?.id };
      });
      rewrapped += batch.done;
      if (batch.done > 0) onProgress(rewrapped);
      if (batch.seen < batchSize || !batch.last) return rewrapped;
      after = batch.last;
    }
  }
}

/** Tables only the vault may read. Anything that scans for card numbers skips exactly these. */
export const VAULT_TABLES = ['vault_cards', 'vault_bank_accounts'] as const;
