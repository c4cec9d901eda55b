import type { CardBrand, CardFunding, PaymentMethod } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { Principal } from '../context.ts';
import { notFound } from '../errors.ts';

/** A row of payment_methods: what may be known about a card outside the vault. */
export interface PaymentMethodRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  vault_card_id: string;
  brand: CardBrand;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: CardFunding;
  country: string | null;
  fingerprint: string;
  billing_details: {
    name?: string;
    email?: string;
    address?: { postal_code?: string; country?: string };
  };
  payment_intent_id: string | null;
  created_at: Date;
}

const COLUMNS = `id, merchant_id, livemode, vault_card_id, brand, last4, exp_month, exp_year, funding,
  country, fingerprint, billing_details, payment_intent_id, created_at`;

export async function insertPaymentMethod(tx: Queryable, row: PaymentMethodRow): Promise<void> {
  await tx.query(
    `INSERT INTO payment_methods (${COLUMNS}, type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'card')`,
    [
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
    ],
  );
}

/** The payment method `id` of this merchant in this mode, or 404 naming `param`. */
export async function loadPaymentMethod(
  db: Queryable,
  principal: Principal,
  id: string,
  param = 'id',
): Promise<PaymentMethodRow> {
  const [row] = await query<PaymentMethodRow>(
    db,
    `SELECT ${COLUMNS} FROM payment_methods WHERE id = $1 AND merchant_id = $2 AND livemode = $3`,
    [id, principal.merchantId, principal.livemode],
  );
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
