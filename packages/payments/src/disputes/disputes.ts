import { createHash } from 'node:crypto';
import {
  type Dispute,
  type DisputeStatus,
  disputeEvidenceFileFields,
  exponentOf,
  type listDisputesInput,
  newId,
  type updateDisputeInput,
} from '@kassa/contracts';
import { type Queryable, query, type Transaction, withTransaction } from '@kassa/db';
import { disputeOpened, disputeWon, type JsonObject } from '@kassa/ledger';
import canonicalize from 'canonicalize';
import type { z } from 'zod';
import { type AcquirerDispute, AcquirerRejectedError } from '../acquirer/client.ts';
import {
  configuredAcquirer,
  type DomainContext,
  type Logger,
  newRequestId,
  type PaymentsServices,
} from '../context.ts';
import { invalidRequest, KassaApiError, notFound } from '../errors.ts';
import { runMutation } from '../idempotency.ts';
import { keysetPage } from '../lists.ts';
import { loadOwned } from '../owned.ts';
import { appendObjectEvents } from '../payments/events.ts';
import { ledgerOptions } from '../payments/outcomes.ts';
import { systemContext } from '../payments/system-context.ts';

// Disputes (docs/disputes.md): the acquirer opens them; Kassa learns of each change by syncing
// the acquirer's dispute changes (a cursor per mode), books the money and records the events;
// the merchant answers with evidence, or accepts.

export interface DisputeRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  payment_intent_id: string;
  acquirer_dispute_id: string;
  amount: bigint;
  currency: string;
  fee: bigint;
  reason: string;
  status: DisputeStatus;
  evidence: Record<string, string>;
  submission_count: number;
  due_by: Date;
  version: number;
  created_at: Date;
}

const COLUMNS = `id, merchant_id, livemode, payment_intent_id, acquirer_dispute_id, amount, currency,
  fee, reason, status, evidence, submission_count, due_by, version, created_at`;

/**
 * The dispute fee, in minor units of the payment's currency: 15 units of it (15.00 EUR, 1,500
 * JPY would be too little: the fee is 15 major units scaled by the exponent, at least 15).
 */
export function disputeFee(currency: string): bigint {
  return 15n * 10n ** BigInt(exponentOf(currency));
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const OPEN_STATUSES = new Set<DisputeStatus>(['needs_response', 'warning_needs_response']);
const isInquiry = (status: DisputeStatus) => status.startsWith('warning_');

export function disputeView(row: DisputeRow, now: Date): Dispute {
  return {
    id: row.id,
    object: 'dispute',
    amount: Number(row.amount),
    currency: row.currency.toLowerCase(),
    payment_intent: row.payment_intent_id,
    reason: row.reason,
    status: row.status,
    evidence: row.evidence,
    evidence_details: {
      due_by: seconds(row.due_by),
      has_evidence: Object.keys(row.evidence).length > 0,
      past_due: OPEN_STATUSES.has(row.status) && now > row.due_by,
      submission_count: row.submission_count,
    },
    fee: Number(row.fee),
    is_charge_refundable: false,
    livemode: row.livemode,
    created: seconds(row.created_at),
  };
}

async function recordDisputeEvents(
  tx: Queryable,
  ctx: DomainContext,
  row: DisputeRow,
  types: string[],
): Promise<void> {
  const view = disputeView(row, ctx.services.clock.now()) as unknown as JsonObject;
  await appendObjectEvents(
    tx,
    ctx,
    { stream: `dispute:${row.id}`, version: row.version, merchantId: row.merchant_id },
    types.map((type) => ({ type, data: { object: view } })),
  );
}

const DECIDED = new Set<DisputeStatus>(['won', 'lost', 'warning_closed']);

/**
 * Applies one acquirer dispute, as it now is, to Kassa's dispute (creating it the first time),
 * in the caller's transaction: the ledger entries (the amount and the fee withdrawn when a
 * dispute opens, the amount reinstated when it is won) and the events, each exactly once
 * however often the same state is applied. A dispute of a payment Kassa does not know is a
 * broken invariant: it throws.
 */
export async function applyAcquirerDispute(
  tx: Transaction,
  services: PaymentsServices,
  livemode: boolean,
  acquired: AcquirerDispute,
  log: Logger,
): Promise<DisputeRow> {
  const [payment] = await query<{ id: string; merchant_id: string; currency: string }>(
    tx,
    `SELECT id, merchant_id, currency FROM payment_intents
      WHERE acquirer_authorization_id = $1 AND merchant_id = $2 AND livemode = $3`,
    [acquired.authorization, acquired.merchant, livemode],
  );
  if (!payment)
    throw new Error(
      `acquirer dispute ${acquired.id} names authorization ${acquired.authorization}, which no payment of ${acquired.merchant} has`,
    );
  const ctx = systemContext(
    services,
    { merchantId: payment.merchant_id, livemode },
    'acquirer:dispute',
    log,
    newRequestId(),
  );
  const [existing] = await query<DisputeRow>(
    tx,
    `SELECT ${COLUMNS} FROM disputes WHERE acquirer_dispute_id = $1 FOR UPDATE`,
    [acquired.id],
  );
  const now = services.clock.now();
  const money = {
    merchantId: payment.merchant_id,
    currency: payment.currency,
    amount: BigInt(acquired.amount),
    livemode,
  };
  if (!existing) {
    const inquiry = isInquiry(acquired.status);
    const row: DisputeRow = {
      id: newId('dispute'),
      merchant_id: payment.merchant_id,
      livemode,
      payment_intent_id: payment.id,
      acquirer_dispute_id: acquired.id,
      amount: BigInt(acquired.amount),
      currency: payment.currency,
      fee: inquiry ? 0n : disputeFee(payment.currency),
      reason: acquired.reason,
      status: acquired.status,
      evidence: acquired.evidence,
      submission_count: 0,
      due_by: new Date(acquired.evidence_due_by),
      version: 0,
      created_at: now,
    };
    const types = ['charge.dispute.created'];
    if (!inquiry) {
      await disputeOpened(tx, { ...money, fee: row.fee }, ledgerOptions(ctx, row.id));
      types.push('charge.dispute.funds_withdrawn');
    }
    if (acquired.status === 'won') {
      await disputeWon(tx, money, ledgerOptions(ctx, row.id));
      types.push('charge.dispute.closed', 'charge.dispute.funds_reinstated');
    } else if (DECIDED.has(acquired.status)) types.push('charge.dispute.closed');
    row.version = types.length;
    await query(
      tx,
      `INSERT INTO disputes (${COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
         $10, $11, $12, $13, $14, $15, $15)`,
      [
        row.id,
        row.merchant_id,
        row.livemode,
        row.payment_intent_id,
        row.acquirer_dispute_id,
        row.amount,
        row.currency,
        row.fee,
        row.reason,
        row.status,
        JSON.stringify(row.evidence),
        row.submission_count,
        row.due_by,
        row.version,
        now,
      ],
    );
    await recordDisputeEvents(tx, ctx, row, types);
    return row;
  }
  if (existing.status === acquired.status) return existing;
  if (DECIDED.has(existing.status))
    throw new Error(
      `dispute ${existing.id} was ${existing.status} and is now ${acquired.status} at the acquirer`,
    );
  const types: string[] = [];
  if (acquired.status === 'won') {
    await disputeWon(tx, money, ledgerOptions(ctx, existing.id));
    types.push('charge.dispute.closed', 'charge.dispute.funds_reinstated');
  } else if (DECIDED.has(acquired.status)) types.push('charge.dispute.closed');
  else types.push('charge.dispute.updated');
  const submitted =
    (existing.status === 'needs_response' || existing.status === 'warning_needs_response') &&
    (acquired.status === 'under_review' || acquired.status === 'warning_under_review');
  const row: DisputeRow = {
    ...existing,
    status: acquired.status,
    submission_count: existing.submission_count + (submitted ? 1 : 0),
    version: existing.version + types.length,
  };
  await query(
    tx,
    `UPDATE disputes SET status = $2, submission_count = $3, version = $4, updated_at = $5
      WHERE id = $1`,
    [row.id, row.status, row.submission_count, row.version, now],
  );
  await recordDisputeEvents(tx, ctx, row, types);
  return row;
}

const cursorName = (livemode: boolean) => `disputes:${livemode ? 'live' : 'test'}`;

/**
 * The sync: every dispute change the acquirer of each mode reports after the cursor, applied in
 * order, the cursor moved in the same transaction as each change. Run by the API's background
 * jobs every few seconds; safe to run in several processes at once (a session advisory lock lets
 * one sync at a time, and each change applies idempotently anyway).
 */
export async function syncDisputes(services: PaymentsServices, log: Logger): Promise<number> {
  const client = await services.db.pool.connect();
  let applied = 0;
  try {
    const [lock] = await query<{ locked: boolean }>(
      client,
      `SELECT pg_try_advisory_lock(hashtextextended('kassa_dispute_sync', 0)) AS locked`,
    );
    if (!lock?.locked) return 0;
    try {
      for (const livemode of [false, true]) {
        const acquirer = configuredAcquirer(services, livemode);
        if (!acquirer?.available) continue;
        for (;;) {
          const [cursor] = await query<{ position: bigint }>(
            client,
            'SELECT position FROM acquirer_sync_cursors WHERE name = $1',
            [cursorName(livemode)],
          );
          const changes = await acquirer.listDisputes(Number(cursor?.position ?? 0n));
          for (const change of changes) {
            await withTransaction(services.db.pool, async (tx) => {
              await applyAcquirerDispute(tx, services, livemode, change, log);
              await tx.query(
                `INSERT INTO acquirer_sync_cursors (name, position, updated_at) VALUES ($1, $2, now())
                 ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
                [cursorName(livemode), change.change],
              );
            });
            applied += 1;
          }
          if (changes.length < 100) break;
        }
      }
    } finally {
      await query(client, `SELECT pg_advisory_unlock(hashtextextended('kassa_dispute_sync', 0))`);
    }
  } finally {
    client.release();
  }
  return applied;
}

export async function loadDispute(
  db: Queryable,
  ctx: DomainContext,
  id: string,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<DisputeRow> {
  return loadOwned<DisputeRow>(
    db,
    ctx.principal,
    { table: 'disputes', columns: COLUMNS, what: 'dispute' },
    id,
    options,
  );
}

export async function listDisputes(
  db: Queryable,
  ctx: DomainContext,
  input: z.output<typeof listDisputesInput>,
): Promise<{ object: 'list'; data: Dispute[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<DisputeRow>(db, {
    table: 'disputes',
    columns: COLUMNS,
    filters: [
      ['merchant_id = ?', ctx.principal.merchantId],
      ['livemode = ?', ctx.principal.livemode],
      ...(input.payment_intent
        ? [['payment_intent_id = ?', input.payment_intent] as [string, unknown]]
        : []),
      ...(input.status ? [['status = ?', input.status] as [string, unknown]] : []),
    ],
    page: input,
    cursor: (id) =>
      loadDispute(db, ctx, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
      }),
  });
  const now = ctx.services.clock.now();
  return { object: 'list', data: rows.map((r) => disputeView(r, now)), has_more: hasMore };
}

const disputeClosed = (row: DisputeRow) =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'dispute_closed',
    message: `This dispute is ${row.status}: it takes no more evidence.`,
    param: 'id',
    status: 409,
  });

/**
 * The merchant's answer, through the acquirer: the acquirer is asked first (outside any
 * transaction; its Idempotency-Key is derived from the dispute, its version and the request, so
 * a retry never sends twice), then its answer is applied like any change the sync brings, and
 * the evidence saved, in one transaction under the request's Idempotency-Key.
 */
async function answerDispute(
  ctx: DomainContext,
  path: string,
  input: unknown,
  id: string,
  call: (row: DisputeRow, key: string) => Promise<AcquirerDispute>,
  evidence?: Record<string, string>,
): Promise<Dispute> {
  const row = await loadDispute(ctx.services.db.pool, ctx, id);
  if (!OPEN_STATUSES.has(row.status)) throw disputeClosed(row);
  const key = `${row.id}:${row.version}:${createHash('sha256')
    .update(canonicalize({ path, input }) ?? '')
    .digest('hex')
    .slice(0, 32)}`;
  let acquired: AcquirerDispute;
  try {
    acquired = await call(row, key);
  } catch (error) {
    if (error instanceof AcquirerRejectedError && error.status === 409) throw disputeClosed(row);
    throw error;
  }
  return runMutation(ctx, path, input, async (tx) => {
    const applied = await applyAcquirerDispute(tx, ctx.services, row.livemode, acquired, ctx.log);
    if (evidence) {
      await tx.query('UPDATE disputes SET evidence = $2 WHERE id = $1', [
        applied.id,
        JSON.stringify(evidence),
      ]);
      applied.evidence = evidence;
    }
    return disputeView(applied, ctx.services.clock.now());
  });
}

/**
 * disputes.update: evidence merged into what was saved ("" clears a field); file fields must name
 * this merchant's files. `submit` sends it: the dispute goes under review and is decided later.
 */
export async function updateDispute(
  ctx: DomainContext,
  input: z.output<typeof updateDisputeInput>,
): Promise<Dispute> {
  const pool = ctx.services.db.pool;
  const current = await loadDispute(pool, ctx, input.id);
  const evidence: Record<string, string> = { ...current.evidence };
  for (const [field, value] of Object.entries(input.evidence)) {
    if (value === undefined) continue;
    if (value === '') delete evidence[field];
    else evidence[field] = value;
  }
  const files = disputeEvidenceFileFields
    .map((field) => evidence[field])
    .filter((v): v is string => v !== undefined);
  if (files.length > 0) {
    const found = await query<{ id: string }>(
      pool,
      `SELECT id FROM files WHERE id = ANY($1) AND merchant_id = $2 AND livemode = $3
         AND purpose = 'dispute_evidence'`,
      [files, ctx.principal.merchantId, ctx.principal.livemode],
    );
    const missing = files.find((f) => !found.some((r) => r.id === f));
    if (missing) {
      const field = disputeEvidenceFileFields.find((f) => evidence[f] === missing);
      throw notFound('file', missing, `evidence.${field}`);
    }
  }
  if (!input.submit && Object.keys(input.evidence).length === 0)
    throw invalidRequest('parameter_missing', 'Give evidence, or submit: true.', 'evidence');
  return answerDispute(
    ctx,
    'disputes.update',
    input,
    input.id,
    (row, key) =>
      acquirerOf(ctx, row).submitDisputeEvidence(row.acquirer_dispute_id, key, {
        evidence,
        submit: input.submit,
      }),
    evidence,
  );
}

/** disputes.close: the merchant accepts the dispute. */
export function closeDispute(ctx: DomainContext, input: { id: string }): Promise<Dispute> {
  return answerDispute(ctx, 'disputes.close', input, input.id, (row, key) =>
    acquirerOf(ctx, row).acceptDispute(row.acquirer_dispute_id, key),
  );
}

function acquirerOf(ctx: DomainContext, row: DisputeRow) {
  const acquirer = configuredAcquirer(ctx.services, row.livemode);
  if (!acquirer)
    throw new Error(`no acquirer for a dispute in ${row.livemode ? 'live' : 'test'} mode`);
  return acquirer;
}

export async function retrieveDispute(db: Queryable, ctx: DomainContext, id: string) {
  return disputeView(await loadDispute(db, ctx, id), ctx.services.clock.now());
}
