import type { TestDatabase } from '@kassa/db/testing';
import { findCardNumbers, maskCardNumber, VAULT_TABLES } from '@kassa/vault';

/**
 * Every card number found outside the vault: in any other table of the database, or in the
 * logs. Numbers are reported masked (BIN and last 4), so a failure does not leak them either.
 */
export async function cardNumbersOutsideVault(db: TestDatabase, logs: readonly string[]) {
  const { rows: tables } = await db.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND NOT (table_name = ANY($1))`,
    [[...VAULT_TABLES]],
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.pool.query<{ text: string | null }>(
      `SELECT string_agg(t::text, E'\n') AS text FROM "${name}" t`,
    );
    for (const number of findCardNumbers(rows[0]?.text ?? '')) {
      found.push(`table ${name}: ${maskCardNumber(number)}`);
    }
  }
  for (const number of findCardNumbers(logs.join('\n'))) {
    found.push(`logs: ${maskCardNumber(number)}`);
  }
  return { tables: tables.length, logLines: logs.length, found };
}
