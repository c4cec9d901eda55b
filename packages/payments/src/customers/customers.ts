import {
  type Customer,
  type createCustomerInput,
  type DeletedCustomer,
  type listCustomersInput,
  newId,
  type updateCustomerInput,
} from '@kassa/contracts';
import { type Queryable, query, type Transaction } from '@kassa/db';
import type { JsonObject } from '@kassa/ledger';
import type { z } from 'zod';
import type { DomainContext, Principal } from '../context.ts';
import { notFound } from '../errors.ts';
import { keysetPage } from '../lists.ts';
import { loadOwned } from '../owned.ts';
import { mergeMetadata, withoutEmptyValues } from '../payments/create.ts';
import { appendObjectEvents } from '../payments/events.ts';

// Customers (docs/api.md): a merchant's record of who pays, as Stripe's. Payments name one
// (`customer`); the fraud service counts payments and cards per customer. A deleted customer
// keeps its row, so the payments that name it still do; it is gone from the API.

interface CustomerRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  metadata: Record<string, string>;
  deleted_at: Date | null;
  version: number;
  created_at: Date;
}

const COLUMNS = `id, merchant_id, livemode, email, name, phone, description, metadata, deleted_at,
  version, created_at`;

export function customerView(row: CustomerRow): Customer {
  return {
    id: row.id,
    object: 'customer',
    email: row.email,
    name: row.name,
    phone: row.phone,
    description: row.description,
    metadata: row.metadata,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/**
 * The customer `id` of this merchant in this mode, or 404 (a deleted one too: it is gone from
 * the API, unless `deleted` allows it, as a list's cursor). `param` names the input the id came
 * from, as a payment's `customer`; a payment naming it locks it `forShare`, so it is not
 * deleted in the meantime.
 */
export async function loadCustomer(
  db: Queryable,
  principal: Pick<Principal, 'merchantId' | 'livemode'>,
  id: string,
  options: { forUpdate?: boolean; forShare?: boolean; param?: string; deleted?: boolean } = {},
): Promise<CustomerRow> {
  const row = await loadOwned<CustomerRow>(
    db,
    principal,
    { table: 'customers', columns: COLUMNS, what: 'customer' },
    id,
    options,
  );
  if (row.deleted_at !== null && !options.deleted) throw notFound('customer', id, options.param);
  return row;
}

async function recordCustomerEvent(
  tx: Queryable,
  ctx: DomainContext,
  row: CustomerRow,
  type: 'customer.created' | 'customer.updated' | 'customer.deleted',
  extra: JsonObject = {},
): Promise<void> {
  await appendObjectEvents(
    tx,
    ctx,
    { stream: `customer:${row.id}`, version: row.version, merchantId: row.merchant_id },
    [{ type, data: { object: customerView(row) as unknown as JsonObject, ...extra } }],
  );
}

export async function createCustomer(
  tx: Transaction,
  ctx: DomainContext,
  input: z.output<typeof createCustomerInput>,
): Promise<Customer> {
  const now = ctx.services.clock.now();
  const [row] = await query<CustomerRow>(
    tx,
    `INSERT INTO customers (id, merchant_id, livemode, email, name, phone, description, metadata,
       version, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING ${COLUMNS}`,
    [
      newId('customer'),
      ctx.principal.merchantId,
      ctx.principal.livemode,
      input.email ?? null,
      input.name ?? null,
      input.phone ?? null,
      input.description ?? null,
      JSON.stringify(withoutEmptyValues(input.metadata ?? {})),
      now,
    ],
  );
  if (!row) throw new Error('the customer was not inserted');
  await recordCustomerEvent(tx, ctx, row, 'customer.created');
  return customerView(row);
}

const FIELDS = ['email', 'name', 'phone', 'description'] as const;

/** customers.update: the fields given (null clears one), metadata merged. */
export async function updateCustomer(
  tx: Transaction,
  ctx: DomainContext,
  input: z.output<typeof updateCustomerInput>,
): Promise<Customer> {
  const row = await loadCustomer(tx, ctx.principal, input.id, { forUpdate: true });
  const previous: JsonObject = {};
  for (const field of FIELDS) {
    const value = input[field];
    if (value === undefined || value === row[field]) continue;
    previous[field] = row[field];
    row[field] = value;
  }
  if (input.metadata !== undefined) {
    const merged = mergeMetadata(row.metadata, input.metadata);
    if (JSON.stringify(merged) !== JSON.stringify(row.metadata)) {
      previous.metadata = row.metadata;
      row.metadata = merged;
    }
  }
  if (Object.keys(previous).length === 0) return customerView(row);
  row.version += 1;
  await query(
    tx,
    `UPDATE customers SET email = $2, name = $3, phone = $4, description = $5, metadata = $6,
       version = $7, updated_at = $8 WHERE id = $1`,
    [
      row.id,
      row.email,
      row.name,
      row.phone,
      row.description,
      JSON.stringify(row.metadata),
      row.version,
      ctx.services.clock.now(),
    ],
  );
  await recordCustomerEvent(tx, ctx, row, 'customer.updated', { previous_attributes: previous });
  return customerView(row);
}

/** customers.del: gone from the API; the payments that name it keep naming it. */
export async function deleteCustomer(
  tx: Transaction,
  ctx: DomainContext,
  id: string,
): Promise<DeletedCustomer> {
  const row = await loadCustomer(tx, ctx.principal, id, { forUpdate: true });
  const now = ctx.services.clock.now();
  row.version += 1;
  await query(
    tx,
    `UPDATE customers SET deleted_at = $2, updated_at = $2, version = $3 WHERE id = $1`,
    [row.id, now, row.version],
  );
  await recordCustomerEvent(tx, ctx, row, 'customer.deleted');
  return { id: row.id, object: 'customer', deleted: true };
}

export async function listCustomers(
  db: Queryable,
  ctx: DomainContext,
  input: z.output<typeof listCustomersInput>,
): Promise<{ object: 'list'; data: Customer[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<CustomerRow>(db, {
    table: 'customers',
    columns: COLUMNS,
    filters: [
      ['merchant_id = ?', ctx.principal.merchantId],
      ['livemode = ?', ctx.principal.livemode],
      ['deleted_at IS NULL'],
      ...(input.email !== undefined ? [['email = ?', input.email] as [string, unknown]] : []),
    ],
    page: input,
    cursor: (id) =>
      loadCustomer(db, ctx.principal, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
        // A customer deleted since the last page still marks where the next one starts.
        deleted: true,
      }),
  });
  return { object: 'list', data: rows.map(customerView), has_more: hasMore };
}
