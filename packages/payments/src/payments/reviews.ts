import type { listReviewsInput, PaymentIntentRisk, Review } from '@kassa/contracts';
import { type Queryable, query, type Transaction } from '@kassa/db';
import { appendToStream, type JsonObject } from '@kassa/ledger';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { KassaApiError, unexpectedState } from '../errors.ts';
import type { AcquirerStep } from '../idempotency.ts';
import { keysetPage } from '../lists.ts';
import { loadOwned } from '../owned.ts';
import { createRefundStep } from '../refunds/create.ts';
import { cancelStep } from './cancel.ts';
import { captureStep } from './capture.ts';
import { eventMetadata } from './events.ts';
import { loadPaymentIntent } from './store.ts';

export interface ReviewRow {
  id: string;
  livemode: boolean;
  payment_intent_id: string;
  open: boolean;
  opened_reason: Review['opened_reason'];
  closed_reason: Review['closed_reason'];
  created_at: Date;
  closed_at: Date | null;
}

const COLUMNS =
  'id, livemode, payment_intent_id, open, opened_reason, closed_reason, created_at, closed_at';

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function reviewView(row: ReviewRow): Review {
  return {
    id: row.id,
    object: 'review',
    payment_intent: row.payment_intent_id,
    open: row.open,
    opened_reason: row.opened_reason,
    closed_reason: row.closed_reason,
    livemode: row.livemode,
    created: seconds(row.created_at),
    closed_at: row.closed_at ? seconds(row.closed_at) : null,
  };
}

/** `review.opened` / `review.closed` on the review's own stream (`review:<id>`). */
export async function recordReviewEvent(
  tx: Queryable,
  ctx: DomainContext,
  review: Review,
  type: 'review.opened' | 'review.closed',
): Promise<void> {
  await appendToStream(tx, {
    occurredAt: ctx.services.clock.now(),
    stream: `review:${review.id}`,
    expectedVersion: type === 'review.opened' ? 'no_stream' : 1,
    merchantId: ctx.principal.merchantId,
    events: [
      { type, data: { object: review as unknown as JsonObject }, metadata: eventMetadata(ctx) },
    ],
  });
}

export async function loadReview(
  db: Queryable,
  ctx: DomainContext,
  id: string,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<ReviewRow> {
  return loadOwned<ReviewRow>(
    db,
    ctx.principal,
    { table: 'reviews', columns: COLUMNS, what: 'review' },
    id,
    options,
  );
}

/** reviews.list: newest first; `open` filters open or closed ones. */
export async function listReviews(
  db: Queryable,
  ctx: DomainContext,
  input: z.output<typeof listReviewsInput>,
): Promise<{ object: 'list'; data: Review[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<ReviewRow>(db, {
    table: 'reviews',
    columns: COLUMNS,
    filters: [
      ['merchant_id = ?', ctx.principal.merchantId],
      ['livemode = ?', ctx.principal.livemode],
      ...(input.open === undefined ? [] : [['open = ?', input.open] as [string, unknown]]),
    ],
    page: input,
    cursor: (id) =>
      loadReview(db, ctx, id, { param: input.starting_after ? 'starting_after' : 'ending_before' }),
  });
  return { object: 'list', data: rows.map(reviewView), has_more: hasMore };
}

async function closeReview(
  tx: Transaction,
  ctx: DomainContext,
  review: ReviewRow,
  reason: NonNullable<Review['closed_reason']>,
): Promise<Review> {
  const closedAt = ctx.services.clock.now();
  const { rowCount } = await tx.query(
    `UPDATE reviews SET open = false, closed_reason = $2, closed_at = $3, closed_by = $4
      WHERE id = $1 AND open`,
    [review.id, reason, closedAt, eventMetadata(ctx).actor ?? 'unknown'],
  );
  if (rowCount !== 1) throw new Error(`review ${review.id} was closed under its lock`);
  const closed = reviewView({ ...review, open: false, closed_reason: reason, closed_at: closedAt });
  await recordReviewEvent(tx, ctx, closed, 'review.closed');
  return closed;
}

const reviewClosed = (id: string) =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'review_closed',
    message: `Review ${id} is already closed.`,
    param: 'id',
    status: 409,
  });

type Plan = { attempt: { id: string } };
type InnerStep = AcquirerStep<Plan, unknown, unknown>;

/**
 * reviews.approve and reviews.reject, as one acquirer mutation whose last step closes the review
 * in the same transaction as the payment's change:
 * - approve: an uncaptured payment is captured; a captured one (the fallback let it through)
 *   stays as it is;
 * - reject: an uncaptured payment is canceled (`fraudulent`), a captured one refunded in full
 *   (`fraudulent`); a payment already canceled or failed needs nothing.
 * A closed review is a 409 `review_closed`; a retry with the Idempotency-Key replays the answer.
 */
export function closeReviewStep(
  ctx: DomainContext,
  input: { id: string; action: 'approve' | 'reject' },
): AcquirerStep<Plan, unknown, Review> {
  let inner: { step: InnerStep; reason: NonNullable<Review['closed_reason']> } | undefined;
  let review: ReviewRow | undefined;
  const current = () => {
    if (!inner || !review) throw new Error('closeReviewStep: prepare did not run');
    return { inner, review };
  };
  return {
    needsAcquirer: false,
    async prepare(tx, resume) {
      const row = await loadReview(tx, ctx, input.id, { forUpdate: true });
      review = row;
      if (!row.open) throw reviewClosed(row.id);
      const payment = await loadPaymentIntent(tx, ctx.principal, row.payment_intent_id);
      const plan = planOf(ctx, input.action, payment);
      if ('close' in plan) return { result: await closeReview(tx, ctx, row, plan.close) };
      inner = plan;
      const prepared = await plan.step.prepare(tx, resume);
      if ('result' in prepared) return { result: await closeReview(tx, ctx, row, plan.reason) };
      return prepared;
    },
    call: (plan, options) => current().inner.step.call(plan, options),
    async finish(tx, plan, outcome) {
      const { inner, review } = current();
      await inner.step.finish(tx, plan, outcome);
      return closeReview(tx, ctx, review, inner.reason);
    },
    abandon: (tx, plan) => current().inner.step.abandon(tx, plan),
    release: (tx, plan) => current().inner.step.release(tx, plan),
  };
}

function planOf(
  ctx: DomainContext,
  action: 'approve' | 'reject',
  payment: { id: string; status: string; amount_received: bigint; amount_refunded: bigint },
):
  | { close: NonNullable<Review['closed_reason']> }
  | { step: InnerStep; reason: NonNullable<Review['closed_reason']> } {
  const step = (s: unknown) => s as InnerStep;
  if (action === 'approve') {
    if (payment.status === 'requires_capture')
      return { step: step(captureStep(ctx, { id: payment.id })), reason: 'approved' };
    if (payment.status === 'succeeded') return { close: 'approved' };
    throw unexpectedState('payment_intent', payment.status, 'approve the review of');
  }
  if (payment.status === 'requires_capture')
    return {
      step: step(cancelStep(ctx, { id: payment.id, cancellation_reason: 'fraudulent' })),
      reason: 'canceled',
    };
  if (payment.status === 'succeeded') {
    if (payment.amount_refunded >= payment.amount_received) return { close: 'refunded_as_fraud' };
    return {
      step: step(
        createRefundStep(ctx, {
          payment_intent: payment.id,
          amount: Number(payment.amount_received - payment.amount_refunded),
          reason: 'fraudulent',
        } as Parameters<typeof createRefundStep>[1]),
      ),
      reason: 'refunded_as_fraud',
    };
  }
  if (payment.status === 'canceled' || payment.status === 'requires_payment_method')
    return { close: 'canceled' };
  throw unexpectedState('payment_intent', payment.status, 'reject the review of');
}

export async function retrieveReview(db: Queryable, ctx: DomainContext, id: string) {
  return reviewView(await loadReview(db, ctx, id));
}

/**
 * The dashboard's review queue: reviews (open ones by default) with what a person needs to
 * decide: the payment's amount, status and risk (score, reasons, the rule that held it).
 */
export async function reviewQueue(
  db: Queryable,
  ctx: DomainContext,
  input: { open: boolean; limit: number },
) {
  const rows = await query<
    ReviewRow & {
      amount: bigint;
      currency: string;
      status: string;
      risk: Record<string, unknown> | null;
    }
  >(
    db,
    `SELECT r.id, r.livemode, r.payment_intent_id, r.open, r.opened_reason, r.closed_reason,
            r.created_at, r.closed_at, p.amount, p.currency, p.status, p.risk
       FROM reviews r JOIN payment_intents p ON p.id = r.payment_intent_id
      WHERE r.merchant_id = $1 AND r.livemode = $2 AND r.open = $3
      ORDER BY r.created_at DESC, r.id DESC LIMIT $4`,
    [ctx.principal.merchantId, ctx.principal.livemode, input.open, input.limit],
  );
  return rows.map((row) => ({
    review: reviewView(row),
    payment: {
      id: row.payment_intent_id,
      amount: Number(row.amount),
      currency: row.currency.toLowerCase(),
      status: row.status,
      risk: row.risk as PaymentIntentRisk | null,
    },
  }));
}
