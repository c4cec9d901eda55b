import { createHmac } from 'node:crypto';
import { type Transaction, withTransaction } from '@kassa/db';
import canonicalize from 'canonicalize';
import type pg from 'pg';
import { KassaApiError } from './errors.ts';
import type { Context } from './trpc/init.ts';
import type { Principal } from './trpc/procedures.ts';

/** Idempotency keys are kept at least this long, then pruned. */
export const KEY_RETENTION_HOURS = 24;
/** How long a request waits for a concurrent one with the same key before answering 409. */
const CONCURRENT_WAIT = '10s';

interface StoredError {
  type: KassaApiError['type'];
  code: string;
  message: string;
  param?: string;
  decline_code?: string;
  request_id: string;
  status: number;
}

/**
 * Runs a mutation in one transaction with its Idempotency-Key record (if the request has one):
 *
 * - the key is reserved first; a concurrent request with the same key waits (up to 10 s, then
 *   409 `idempotency_key_in_use`) for the first to finish, then replays its response;
 * - a replay returns the first response unchanged (status and body), with `Idempotent-Replayed`;
 * - the same key with other parameters is refused (400 `idempotency_error`);
 * - the response is stored in the same transaction as the request's effects. Errors that undo
 *   everything (validation, conflicts) are not stored; errors whose effects stand (a decline)
 *   are, and replay as errors.
 */
export async function runMutation<T>(
  ctx: Context & { principal: Principal },
  path: string,
  input: unknown,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const key = idempotencyKeyOf(ctx);
  const outcome = await transact<{ value: T } | { replay: { status: number; response: unknown } }>(
    ctx.db.pool,
    async (tx) => {
      if (!key) return { value: await work(tx) };
      // Keyed: the input may hold a card number, and a plain hash of one is easy to reverse.
      const requestHash = createHmac('sha256', ctx.services.requestHashKey)
        .update(canonicalize({ path, input }) ?? '')
        .digest('hex');
      const earlier = await reserve(tx, ctx.principal, key, requestHash, path);
      if (earlier) return { replay: earlier };
      try {
        const value = await work(tx);
        await store(tx, ctx.principal, key, 200, value);
        return { value };
      } catch (error) {
        if (error instanceof KassaApiError && error.committed) {
          await store(tx, ctx.principal, key, error.status, storedError(error, ctx.requestId));
        }
        throw error;
      }
    },
  );
  if ('value' in outcome) return outcome.value;
  ctx.setHeader('Idempotent-Replayed', 'true');
  if (outcome.replay.status === 200) return outcome.replay.response as T;
  const stored = outcome.replay.response as StoredError;
  throw new KassaApiError({
    type: stored.type,
    code: stored.code,
    message: stored.message,
    param: stored.param,
    declineCode: stored.decline_code,
    status: stored.status,
    requestId: stored.request_id,
  });
}

function idempotencyKeyOf(ctx: Context): string | undefined {
  const header = ctx.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new KassaApiError({
      type: 'invalid_request_error',
      code: 'idempotency_key_invalid',
      message: 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.',
      param: 'Idempotency-Key',
    });
  }
  return key;
}

/** Commits when `work` returns or throws an error whose effects stand; rolls back otherwise. */
async function transact<T>(pool: pg.Pool, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const settled = await withTransaction(pool, async (tx) => {
    try {
      return { value: await work(tx) };
    } catch (error) {
      if (error instanceof KassaApiError && error.committed) return { error };
      throw error;
    }
  });
  if ('error' in settled) throw settled.error;
  return settled.value;
}

async function reserve(
  tx: Transaction,
  principal: Principal,
  key: string,
  requestHash: string,
  path: string,
): Promise<{ status: number; response: unknown } | undefined> {
  await tx.query(`SET LOCAL lock_timeout = '${CONCURRENT_WAIT}'`);
  try {
    const { rowCount } = await tx.query(
      `INSERT INTO api_idempotency_keys (merchant_id, livemode, key, request_hash, path, status, response)
       VALUES ($1, $2, $3, $4, $5, 0, 'null') ON CONFLICT DO NOTHING`,
      [principal.merchantId, principal.livemode, key, requestHash, path],
    );
    if (rowCount === 1) return undefined;
  } catch (error) {
    if ((error as { code?: string }).code !== '55P03') throw error;
    throw new KassaApiError({
      type: 'idempotency_error',
      code: 'idempotency_key_in_use',
      message: 'Another request with this Idempotency-Key is still being processed. Retry shortly.',
      status: 409,
    });
  }
  await tx.query('SET LOCAL lock_timeout = 0');
  const { rows } = await tx.query<{ request_hash: string; status: number; response: unknown }>(
    'SELECT request_hash, status, response FROM api_idempotency_keys WHERE merchant_id = $1 AND livemode = $2 AND key = $3',
    [principal.merchantId, principal.livemode, key],
  );
  const row = rows[0];
  if (!row || row.request_hash !== requestHash) {
    throw new KassaApiError({
      type: 'idempotency_error',
      code: 'idempotency_key_reused',
      message:
        'This Idempotency-Key was already used with different parameters or another endpoint.',
      param: 'Idempotency-Key',
      status: 400,
    });
  }
  return { status: row.status, response: row.response };
}

async function store(
  tx: Transaction,
  principal: Principal,
  key: string,
  status: number,
  response: unknown,
) {
  await tx.query('SET LOCAL lock_timeout = 0');
  await tx.query(
    'UPDATE api_idempotency_keys SET status = $4, response = $5 WHERE merchant_id = $1 AND livemode = $2 AND key = $3',
    [principal.merchantId, principal.livemode, key, status, JSON.stringify(response)],
  );
}

function storedError(error: KassaApiError, requestId: string): StoredError {
  return {
    type: error.type,
    code: error.code,
    message: error.message,
    param: error.param,
    decline_code: error.declineCode,
    request_id: error.requestId ?? requestId,
    status: error.status,
  };
}

/** Deletes idempotency records older than the retention period; returns how many. */
export async function pruneIdempotencyKeys(
  pool: pg.Pool,
  olderThanHours = KEY_RETENTION_HOURS,
): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM api_idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
    [olderThanHours],
  );
  return rowCount ?? 0;
}
