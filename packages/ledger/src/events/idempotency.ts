import { createHash } from 'node:crypto';
import { type Queryable, query } from '@kassa/db';
import canonicalize from 'canonicalize';
import { IdempotencyConflictError } from '../errors.ts';
import type { JsonValue } from './types.ts';

/**
 * Runs `work` once per idempotency key, inside the caller's transaction. `request` is what makes
 * two calls "the same": the business content only, never generated ids or per-attempt metadata
 * (request ids, trace context), so a retry matches its first attempt.
 *
 * - First use: the key row is reserved before anything else is written, `work` runs, and its
 *   result is stored with it. Concurrent calls with the key wait on that row until this
 *   transaction ends, then replay its result.
 * - Same key, same request: the stored result, and `work` does not run.
 * - Same key, different request: IdempotencyConflictError.
 * If `work` throws, the reservation is removed, so a caller that catches the error and commits
 * does not leave a key without a result behind.
 */
export async function idempotent<T extends JsonValue>(
  tx: Queryable,
  key: string | undefined,
  request: unknown,
  work: () => Promise<T>,
): Promise<{ result: T; replayed: boolean }> {
  if (!key) return { result: await work(), replayed: false };
  const canonical = canonicalize(request);
  // Every request is an object with a JSON form: hashing nothing would match any other request.
  if (canonical === undefined)
    throw new Error(`idempotent: request under key ${key} has no JSON form`);
  const requestHash = createHash('sha256').update(canonical).digest('hex');
  const reserved = await query(
    tx,
    `INSERT INTO ledger_idempotency_keys (key, request_hash, result) VALUES ($1, $2, 'null')
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [key, requestHash],
  );
  if (reserved.length === 0) {
    const [earlier] = await query<{ request_hash: string; result: T }>(
      tx,
      'SELECT request_hash, result FROM ledger_idempotency_keys WHERE key = $1',
      [key],
    );
    if (!earlier || earlier.request_hash !== requestHash || earlier.result === null) {
      throw new IdempotencyConflictError(key);
    }
    return { result: earlier.result, replayed: true };
  }
  try {
    const result = await work();
    await tx.query('UPDATE ledger_idempotency_keys SET result = $2 WHERE key = $1', [
      key,
      JSON.stringify(result),
    ]);
    return { result, replayed: false };
  } catch (error) {
    // After an SQL error the transaction is aborted and will roll the row back anyway.
    await tx.query('DELETE FROM ledger_idempotency_keys WHERE key = $1', [key]).catch(() => {});
    throw error;
  }
}
