import {
  idSchema,
  oneCursorOnly,
  type PaymentIntent,
  paginationShape,
  paymentIntentStatuses,
} from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import {
  keysetPage,
  loadPaymentIntent,
  PAYMENT_INTENT_COLUMNS,
  type PaymentIntentRow,
  type Principal,
  paymentIntentView,
} from '@kassa/payments';
import { z } from 'zod';

const minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The dashboard's payments list: the merchant API's filters (status, created) and the ones a
 * support desk needs: amount range, currency, the customer's email, the card's last 4.
 */
export const dashboardPaymentsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(idSchema('paymentIntent')),
      status: z.enum(paymentIntentStatuses).optional(),
      amount: z.object({ gte: minor.optional(), lte: minor.optional() }).strict().optional(),
      currency: z
        .string()
        .regex(/^[A-Za-z]{3}$/, { error: 'must be a three-letter ISO 4217 code' })
        .transform((c) => c.toUpperCase())
        .optional(),
      customer_email: z
        .string()
        .trim()
        .min(3)
        .max(254)
        .transform((e) => e.toLowerCase())
        .optional(),
      last4: z
        .string()
        .regex(/^\d{4}$/, { error: 'must be the last 4 digits of a card' })
        .optional(),
    })
    .strict(),
).default({ limit: 25 });

export type DashboardPaymentsInput = z.output<typeof dashboardPaymentsInput>;

/** A payment as the dashboard's list shows it: the API's object, its card and its customer. */
export interface DashboardPayment extends PaymentIntent {
  card: { brand: string; last4: string } | null;
  customer_email: string | null;
}

/** The filters as SQL on payment_intents (each `?` is the filter's one value). */
function filtersOf(principal: Principal, input: DashboardPaymentsInput) {
  const filters: Array<[string, unknown]> = [
    ['merchant_id = ?', principal.merchantId],
    ['livemode = ?', principal.livemode],
  ];
  if (input.status) filters.push(['status = ?', input.status]);
  if (input.currency) filters.push(['currency = ?', input.currency]);
  if (input.amount?.gte !== undefined) filters.push(['amount >= ?', input.amount.gte]);
  if (input.amount?.lte !== undefined) filters.push(['amount <= ?', input.amount.lte]);
  // The subqueries name the merchant and mode themselves (not through the outer row) and are read
  // once into an array (ARRAY(…): an InitPlan), so the few matching payments are fetched by their
  // own index and sorted, instead of walking all the merchant's payments newest first and probing
  // each (PostgreSQL's plan for `IN (subquery)` here; bench/dashboard measured 350 ms at 100,000).
  const scope = [principal.merchantId, String(principal.livemode)];
  if (input.last4) {
    filters.push([
      `payment_method_id = ANY (ARRAY(SELECT pm.id FROM payment_methods pm
         WHERE pm.merchant_id = (?::text[])[1] AND pm.livemode = (?::text[])[2]::boolean
           AND pm.last4 = (?::text[])[3]::char(4)))`,
      [...scope, input.last4],
    ]);
  }
  if (input.customer_email) {
    filters.push([
      `(id = ANY (ARRAY(SELECT cs.payment_intent_id FROM checkout_sessions cs
          WHERE cs.merchant_id = (?::text[])[1] AND lower(cs.customer_email) = (?::text[])[3]))
        OR payment_method_id = ANY (ARRAY(SELECT pm.id FROM payment_methods pm
          WHERE pm.merchant_id = (?::text[])[1]
            AND lower(pm.billing_details->>'email') = (?::text[])[3])))`,
      [...scope, input.customer_email],
    ]);
  }
  return filters;
}

/** Adds each payment's card (brand, last 4) and customer email: two queries for the page. */
async function withCardsAndCustomers(
  db: Queryable,
  principal: Principal,
  rows: PaymentIntentRow[],
  clientSecretKey: Buffer,
): Promise<DashboardPayment[]> {
  const methodIds = rows.flatMap((r) => (r.payment_method_id ? [r.payment_method_id] : []));
  const [cards, sessions] = await Promise.all([
    db.query<{ id: string; brand: string; last4: string; email: string | null }>(
      `SELECT id, brand, last4, billing_details->>'email' AS email FROM payment_methods
        WHERE id = ANY($1) AND merchant_id = $2`,
      [methodIds, principal.merchantId],
    ),
    db.query<{ payment_intent_id: string; customer_email: string | null }>(
      `SELECT payment_intent_id, customer_email FROM checkout_sessions
        WHERE payment_intent_id = ANY($1) AND merchant_id = $2`,
      [rows.map((r) => r.id), principal.merchantId],
    ),
  ]);
  const card = new Map(cards.rows.map((c) => [c.id, c]));
  const session = new Map(sessions.rows.map((s) => [s.payment_intent_id, s.customer_email]));
  return rows.map((row) => {
    const method = row.payment_method_id ? card.get(row.payment_method_id) : undefined;
    return {
      ...paymentIntentView(row, clientSecretKey),
      card: method ? { brand: method.brand, last4: method.last4 } : null,
      customer_email: session.get(row.id) ?? method?.email ?? null,
    };
  });
}

/** One page of the merchant's payments, newest first, filtered (see dashboardPaymentsInput). */
export async function listDashboardPayments(
  db: Queryable,
  principal: Principal,
  input: DashboardPaymentsInput,
  clientSecretKey: Buffer,
) {
  const { rows, hasMore } = await keysetPage<PaymentIntentRow>(db, {
    table: 'payment_intents',
    columns: PAYMENT_INTENT_COLUMNS,
    filters: filtersOf(principal, input),
    page: input,
    cursor: (id) =>
      loadPaymentIntent(db, principal, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
      }),
  });
  return {
    object: 'list' as const,
    data: await withCardsAndCustomers(db, principal, rows, clientSecretKey),
    has_more: hasMore,
  };
}
