import type { CardBrand, CardFunding, PaymentMethod } from '@kassa/contracts';
import {
  type AssertSameColumns,
  type ColumnsIn,
  type PaymentMethodRecord,
  placeholders,
  type Queryable,
  query,
} from '@kassa/db';
import type { Principal } from '../context.ts';
import { notFound } from '../errors.ts';

/**
 * A row of payment_methods (schema.prisma: PaymentMethod): what may be known about a card outside
 * the vault. `type` is left out (always 'card', written by insertPaymentMethod); brand and funding
 * are narrowed to their unions, and billing_details (jsonb, any JSON to the schema) to the object
 * tokenization writes.
 */
export type PaymentMethodRow = Omit<
  PaymentMethodRecord,
  'type' | 'brand' | 'funding' | 'billing_details'
> & {
  brand: CardBrand;
  funding: CardFunding;
  billing_details: {
    name?: string;
    email?: string;
    address?: { postal_code?: string; country?: string };
  };
};

/** The row's columns, in the order of insertPaymentMethod's parameters. */
const ROW_COLUMNS = [
  'id',
  'merchant_id',
  'livemode',
  'vault_card_id',
  'brand',
  'last4',
  'exp_month',
  'exp_year',
  'funding',
  'country',
  'fingerprint',
  'billing_details',
  'payment_intent_id',
  'created_at',
] as const satisfies readonly (keyof PaymentMethodRow)[];

// Typecheck fails when the list misses a column of the row or the schema (docs/database.md).
const _rowColumns: AssertSameColumns<
  ColumnsIn<typeof ROW_COLUMNS>,
  PaymentMethodRecord,
  'type'
> = true;

const COLUMNS = ROW_COLUMNS.join(', ');

const INSERT = `INSERT INTO payment_methods (${COLUMNS}, type)
     VALUES (${placeholders(ROW_COLUMNS.length)}, 'card')`;

const SELECT_OWNED = `SELECT ${COLUMNS} FROM payment_methods WHERE id = $1 AND merchant_id = $2 AND livemode = $3`;

export async function insertPaymentMethod(tx: Queryable, row: PaymentMethodRow): Promise<void> {
  await tx.query(INSERT, [
    row.id,
    row.merchant_id,
    row.livemode,
    row.vault_card_id,
    row.brand,
    row.last4,
    row.exp_month,
    row.exp_year,
    row.funding,
    row.country,
    row.fingerprint,
    JSON.stringify(row.billing_details),
    row.payment_intent_id,
    row.created_at,
  ]);
}

/** The payment method `id` of this merchant in this mode, or 404 naming `param`. */
export async function loadPaymentMethod(
  db: Queryable,
  principal: Principal,
  id: string,
  param = 'id',
): Promise<PaymentMethodRow> {
  const [row] = await query<PaymentMethodRow>(db, SELECT_OWNED, [
    id,
    principal.merchantId,
    principal.livemode,
  ]);
  if (!row) throw notFound('payment_method', id, param);
  return row;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function paymentMethodView(row: PaymentMethodRow): PaymentMethod {
  return {
    id: row.id,
    object: 'payment_method',
    type: 'card',
    card: {
      brand: row.brand,
      last4: row.last4,
      exp_month: row.exp_month,
      exp_year: row.exp_year,
      funding: row.funding,
      country: row.country,
      fingerprint: row.fingerprint,
    },
    billing_details: {
      name: row.billing_details.name ?? null,
      email: row.billing_details.email ?? null,
      address: {
        postal_code: row.billing_details.address?.postal_code ?? null,
        country: row.billing_details.address?.country ?? null,
      },
    },
    livemode: row.livemode,
    created: seconds(row.created_at),
  };
}
