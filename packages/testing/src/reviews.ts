import { newId } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import type { TestDatabase } from '@kassa/db/testing';
import { appendToStream } from '@kassa/ledger';

/**
 * Holds an authorized payment for review as a review rule would (the review row, its
 * `review.opened` event, and the decision on the payment when `risk` is given), for tests of the
 * review queue that do not run the fraud service. Returns the review's id.
 */
export async function holdForReview(
  db: TestDatabase,
  input: { merchantId: string; paymentIntentId: string; risk?: Record<string, unknown> },
): Promise<string> {
  const id = newId('review');
  const now = new Date();
  await withTransaction(db.pool, async (tx) => {
    await tx.query(
      `INSERT INTO reviews (id, merchant_id, livemode, payment_intent_id, open, opened_reason, created_at)
       VALUES ($1, $2, false, $3, true, $4, $5)`,
      [id, input.merchantId, input.paymentIntentId, input.risk ? 'rule' : 'manual', now],
    );
    if (input.risk)
      await tx.query('UPDATE payment_intents SET risk = $2 WHERE id = $1', [
        input.paymentIntentId,
        JSON.stringify({ ...input.risk, review: id }),
      ]);
    await appendToStream(tx, {
      occurredAt: now,
      stream: `review:${id}`,
      expectedVersion: 'no_stream',
      merchantId: input.merchantId,
      events: [
        {
          type: 'review.opened',
          data: {
            object: {
              id,
              object: 'review',
              payment_intent: input.paymentIntentId,
              open: true,
              opened_reason: input.risk ? 'rule' : 'manual',
              closed_reason: null,
              livemode: false,
              created: Math.floor(now.getTime() / 1000),
              closed_at: null,
            },
          },
          metadata: { actor: 'test' },
        },
      ],
    });
  });
  return id;
}
