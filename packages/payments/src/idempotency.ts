import { createHmac } from 'node:crypto';
import { type Queryable, type Transaction, withTransaction } from '@kassa/db';
import canonicalize from 'canonicalize';
import type pg from 'pg';
import { AcquirerUnavailableError, type CallOptions } from './acquirer/client.ts';
import { acquirerFor, type DomainContext, type Principal } from './context.ts';
import { KassaApiError } from './errors.ts';

/** Idempotency keys are kept at least this long, then pruned. */
export const KEY_RETENTION_HOURS = 24;
/** How long a request waits for a concurrent one with the same key before answering 409. */
export const CONCURRENT_WAIT_MS = 10_000;

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
  ctx: DomainContext,
  path: string,
  input: unknown,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const key = idempotencyKeyOf(ctx);
  const outcome = await transact<{ value: T } | { replay: StoredResponse }>(
    ctx.services.db.pool,
    async (tx) => {
      if (!key) return { value: await work(tx) };
      const claim = await reserve(tx, ctx, key, requestHashesOf(ctx, path, input), path);
      if ('replay' in claim) return claim;
      return { value: await answerOnce(tx, ctx, key, () => work(tx)) };
    },
  );
  if ('value' in outcome) return outcome.value;
  return replay(ctx, outcome.replay);
}

/**
 * A mutation that calls the acquirer, in three steps so that no database transaction stays open
 * while the acquirer thinks:
 *
 * 1. `prepare` (a transaction): checks, and records the attempt the call will make (or returns
 *    a result at once when no call is needed). The Idempotency-Key is claimed and committed
 *    with it, held for the call's longest possible duration.
 * 2. `call`: the acquirer, through the resilience policy (no transaction).
 * 3. `finish` (a transaction): applies the answer — ledger entries, read model, event — and
 *    stores the response under the key, all at once.
 *
 * If the call was never sent (breaker open, bulkhead full), `abandon` undoes step 1, the key is
 * forgotten and the answer is a retryable 503 `acquirer_unavailable`: no money moved. If its
 * outcome is unknown (no answer, 5xx after retries), `release` leaves the attempt for a retry to
 * resume with the same acquirer key, the key stays unanswered and remembers that attempt, and the
 * answer is a retryable 503 `acquirer_timeout`: a retry with the key resumes that very attempt
 * (`prepare` gets its id), so it can never start a second one — a second refund, say. A
 * duplicate arriving while the first request runs waits for its answer (at most 10 s, then 409
 * `idempotency_key_in_use`).
 */
export interface AcquirerStep<Plan extends { attempt: { id: string } }, Outcome, Result> {
  /**
   * `resume`: the attempt this request's Idempotency-Key left unresolved (its answer was lost).
   * The step resumes it, or, when the recovery sweep resolved it meanwhile, answers what it came
   * to; it never records a new attempt then.
   */
  prepare(tx: Transaction, resume?: string): Promise<{ result: Result } | { plan: Plan }>;
  /** `options.notAfter`: when the attempt's lease ends; pass it to the acquirer client. */
  call(plan: Plan, options: CallOptions): Promise<Outcome>;
  finish(tx: Transaction, plan: Plan, outcome: Outcome): Promise<Result>;
  abandon(tx: Transaction, plan: Plan): Promise<void>;
  release(tx: Transaction, plan: Plan): Promise<void>;
  /**
   * False when the request may finish without the acquirer (canceling a payment never
   * authorized): then an open breaker does not refuse it up front.
   */
  needsAcquirer?: boolean;
}

export async function runAcquirerMutation<
  Plan extends { attempt: { id: string } },
  Outcome,
  Result,
>(
  ctx: DomainContext,
  path: string,
  input: unknown,
  step: AcquirerStep<Plan, Outcome, Result>,
): Promise<Result> {
  const { attemptLeaseMs } = ctx.services;
  // The mode's own acquirer (none for live: refused); while its breaker is open, fail before
  // writing anything.
  if (step.needsAcquirer !== false && !acquirerFor(ctx.services, ctx.principal.livemode).available)
    throw acquirerUnavailable();
  const key = idempotencyKeyOf(ctx);
  const pool = ctx.services.db.pool;
  const deadline = Date.now() + ctx.services.idempotencyWaitMs;
  let prepared: { result: Result } | { plan: Plan } | { replay: StoredResponse };
  // Taken before the transaction that sets the attempt's lease (from the database's now()), so
  // the call's deadline is never later than the lease: time queued counts toward it.
  let leaseStart = Date.now();
  for (;;) {
    if (key) await waitForKey(pool, ctx.principal, key, deadline);
    try {
      leaseStart = Date.now();
      prepared = await transact(pool, async (tx) => {
        let resume: string | undefined;
        if (key) {
          const hashes = requestHashesOf(ctx, path, input);
          const claim = await reserve(tx, ctx, key, hashes, path, attemptLeaseMs);
          if ('replay' in claim) return claim;
          resume = claim.resume;
        }
        const next = await step.prepare(tx, resume);
        if ('result' in next && key) await answerOnce(tx, ctx, key, async () => next.result);
        return next;
      });
      break;
    } catch (error) {
      // Claimed by a concurrent duplicate between our look and our claim: wait for its answer.
      if (!(error instanceof KeyHeld)) throw error;
      if (Date.now() > deadline) throw keyInUse();
    }
  }
  if ('replay' in prepared) return replay(ctx, prepared.replay);
  if ('result' in prepared) return prepared.result;
  const { plan } = prepared;

  let outcome: Outcome;
  try {
    outcome = await step.call(plan, { notAfter: leaseStart + attemptLeaseMs });
  } catch (error) {
    const notSent = error instanceof AcquirerUnavailableError && error.notSent;
    await withTransaction(pool, async (tx) => {
      if (notSent) {
        await step.abandon(tx, plan);
        if (key) await forget(tx, ctx.principal, key);
      } else {
        await step.release(tx, plan);
        if (key) await park(tx, ctx.principal, key, plan.attempt.id);
      }
    });
    if (error instanceof AcquirerUnavailableError) {
      ctx.log.warn({ path, notSent, reason: error.message }, 'acquirer call failed');
      throw notSent ? acquirerUnavailable() : acquirerTimeout();
    }
    throw error;
  }

  return transact(pool, async (tx) => {
    if (!key) return step.finish(tx, plan, outcome);
    return answerOnce(tx, ctx, key, () => step.finish(tx, plan, outcome));
  });
}

const acquirerUnavailable = () =>
  new KassaApiError({
    type: 'api_error',
    code: 'acquirer_unavailable',
    message:
      'The card network cannot be reached right now; nothing was charged. Retry in a few seconds.',
    status: 503,
  });

const acquirerTimeout = () =>
  new KassaApiError({
    type: 'api_error',
    code: 'acquirer_timeout',
    message:
      'The card network did not answer in time. Retry with the same Idempotency-Key: the payment resumes where it stopped and is never charged twice.',
    status: 503,
  });

interface StoredResponse {
  status: number;
  response: unknown;
}

/** A request's hash (stored with a new key) and, while the root is rotated, its previous one. */
interface RequestHashes {
  current: string;
  previous?: string;
}

// Keyed: the input may hold a card number, and a plain hash of one is easy to reverse. Under the
// previous root too while it is configured: a retry of a request made before the rotation must
// replay its answer, not be refused as another request (the caller could then pay again).
function requestHashesOf(ctx: DomainContext, path: string, input: unknown): RequestHashes {
  const { requestHashKey, previousRequestHashKey } = ctx.services;
  return {
    current: requestHashOf(requestHashKey, path, input),
    ...(previousRequestHashKey && {
      previous: requestHashOf(previousRequestHashKey, path, input),
    }),
  };
}

/** The stored hash of a request under one key: HMAC-SHA256 of its canonical JSON (RFC 8785). */
export function requestHashOf(key: Buffer, path: string, input: unknown): string {
  const canonical = canonicalize({ path, input });
  // An object always has a JSON form (undefined members are left out): never hash nothing.
  if (canonical === undefined) throw new Error(`request ${path} has no canonical JSON form`);
  return createHmac('sha256', key).update(canonical).digest('hex');
}

/** Runs `work` and stores its answer under `key` in the same transaction (errors that stand too). */
async function answerOnce<T>(
  tx: Transaction,
  ctx: DomainContext,
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    const value = await work();
    await store(tx, ctx.principal, key, 200, value);
    return value;
  } catch (error) {
    if (error instanceof KassaApiError && error.committed) {
      await store(tx, ctx.principal, key, error.status, storedError(error, ctx.requestId));
    }
    throw error;
  }
}

function replay<T>(ctx: DomainContext, earlier: StoredResponse): T {
  ctx.onReplay?.();
  if (earlier.status === 200) return earlier.response as T;
  const stored = earlier.response as StoredError;
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

function idempotencyKeyOf(ctx: DomainContext): string | undefined {
  const header = ctx.idempotencyKey;
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

/**
 * Claims `key` for this request, or finds its earlier answer. A request that calls the acquirer
 * commits its claim before the call (`leaseMs`): a later request finding it unanswered waits
 * (`waitForKey`) until the lease ends, then takes it over — resuming the attempt the key names,
 * if the first request left one unresolved.
 */
async function reserve(
  tx: Transaction,
  ctx: DomainContext,
  key: string,
  requestHash: RequestHashes,
  path: string,
  leaseMs?: number,
): Promise<{ replay: StoredResponse } | { resume?: string }> {
  const { principal } = ctx;
  // Waiting on a row lock longer than this answers 409. No `finally` resets it: after a lock
  // timeout the transaction is aborted and any statement fails (25P02); it is rolled back anyway.
  await tx.query(`SET LOCAL lock_timeout = '${ctx.services.idempotencyWaitMs}ms'`);
  let claim: { replay: StoredResponse } | { resume?: string };
  try {
    claim = await claimKey(tx, principal, key, requestHash, path, leaseMs);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') throw keyInUse();
    throw error;
  }
  await tx.query('SET LOCAL lock_timeout = 0');
  return claim;
}

async function claimKey(
  tx: Transaction,
  principal: Principal,
  key: string,
  requestHash: RequestHashes,
  path: string,
  leaseMs: number | undefined,
): Promise<{ replay: StoredResponse } | { resume?: string }> {
  const { rowCount } = await tx.query(
    `INSERT INTO api_idempotency_keys (merchant_id, livemode, key, request_hash, path, status, response, locked_until)
     VALUES ($1, $2, $3, $4, $5, 0, 'null', now() + make_interval(secs => $6)) ON CONFLICT DO NOTHING`,
    [
      principal.merchantId,
      principal.livemode,
      key,
      requestHash.current,
      path,
      leaseMs === undefined ? null : leaseMs / 1000,
    ],
  );
  if (rowCount === 1) return {};
  const { rows } = await tx.query<{
    request_hash: string;
    status: number;
    response: unknown;
    held: boolean;
    attempt_id: string | null;
  }>(
    `SELECT request_hash, status, response, coalesce(locked_until > now(), false) AS held, attempt_id
       FROM api_idempotency_keys WHERE merchant_id = $1 AND livemode = $2 AND key = $3 FOR UPDATE`,
    [principal.merchantId, principal.livemode, key],
  );
  const row = rows[0];
  if (
    !row ||
    (row.request_hash !== requestHash.current && row.request_hash !== requestHash.previous)
  ) {
    throw new KassaApiError({
      type: 'idempotency_error',
      code: 'idempotency_key_reused',
      message:
        'This Idempotency-Key was already used with different parameters or another endpoint.',
      param: 'Idempotency-Key',
      status: 400,
    });
  }
  if (row.status !== 0) return { replay: { status: row.status, response: row.response } };
  if (row.held) throw new KeyHeld();
  // The request that claimed the key went away unanswered: this one carries on in its place.
  await tx.query(
    `UPDATE api_idempotency_keys SET locked_until = now() + make_interval(secs => $4)
      WHERE merchant_id = $1 AND livemode = $2 AND key = $3`,
    [principal.merchantId, principal.livemode, key, (leaseMs ?? 0) / 1000],
  );
  return row.attempt_id ? { resume: row.attempt_id } : {};
}

/** Another request holds the key (it is calling the acquirer): wait for it, then look again. */
class KeyHeld extends Error {}

const keyInUse = () =>
  new KassaApiError({
    type: 'idempotency_error',
    code: 'idempotency_key_in_use',
    message: 'Another request with this Idempotency-Key is still being processed. Retry shortly.',
    status: 409,
  });

/**
 * Before claiming a key: while another request holds it (it is calling the acquirer), wait for
 * it to answer, at most `idempotencyWaitMs`. Polls outside any transaction, holding no lock.
 */
async function waitForKey(
  pool: pg.Pool,
  principal: Principal,
  key: string,
  deadline: number,
): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ waiting: boolean }>(
      `SELECT (status = 0 AND locked_until > now()) AS waiting FROM api_idempotency_keys
        WHERE merchant_id = $1 AND livemode = $2 AND key = $3`,
      [principal.merchantId, principal.livemode, key],
    );
    if (!rows[0]?.waiting) return;
    if (Date.now() > deadline) throw keyInUse();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Keeps the claim of a request whose acquirer answer was lost, unanswered and free to take
 * over at once, naming the attempt a retry must resume.
 */
async function park(tx: Queryable, principal: Principal, key: string, attemptId: string) {
  await tx.query(
    `UPDATE api_idempotency_keys SET locked_until = now(), attempt_id = $4
      WHERE merchant_id = $1 AND livemode = $2 AND key = $3 AND status = 0`,
    [principal.merchantId, principal.livemode, key, attemptId],
  );
}

/** Forgets a claim whose request ended without an answer worth keeping (see runAcquirerMutation). */
async function forget(tx: Queryable, principal: Principal, key: string): Promise<void> {
  await tx.query(
    'DELETE FROM api_idempotency_keys WHERE merchant_id = $1 AND livemode = $2 AND key = $3 AND status = 0',
    [principal.merchantId, principal.livemode, key],
  );
}

async function store(
  tx: Queryable,
  principal: Principal,
  key: string,
  status: number,
  response: unknown,
) {
  await tx.query(
    'UPDATE api_idempotency_keys SET status = $4, response = $5, locked_until = NULL WHERE merchant_id = $1 AND livemode = $2 AND key = $3',
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
