import { minorToDecimal } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import type { Principal } from '@kassa/payments';
import { pagedCsv } from '../csv.ts';
import { type DashboardPaymentsInput, listDashboardPayments } from './payments.ts';

/** The columns of the payments export, in order. */
export const PAYMENTS_CSV_COLUMNS = [
  'id',
  'created_utc',
  'amount',
  'amount_received',
  'currency',
  'status',
  'card_brand',
  'card_last4',
  'customer_email',
  'description',
] as const;

/** Rows read per query: the export never holds more than this many in memory. */
const BATCH = 500;

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a
 * leading apostrophe: OWASP's defence against CSV injection, since customers choose emails and
 * merchants descriptions.
 */
const neutral = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

/**
 * The filtered payments as CSV, newest first, in batches (keyset pages of BATCH): streamed by
 * the caller chunk by chunk, never built in memory. Amounts are decimals in the currency's
 * exponent; times are ISO 8601 UTC. Cards appear as brand and last 4 only.
 */
export function paymentsCsv(
  db: Queryable,
  principal: Principal,
  filters: DashboardPaymentsInput,
  clientSecretKey: Buffer,
): AsyncGenerator<string> {
  const { starting_after: _, ending_before: __, ...rest } = filters;
  return pagedCsv(
    PAYMENTS_CSV_COLUMNS,
    (after) =>
      listDashboardPayments(
        db,
        principal,
        { ...rest, limit: BATCH, ...(after && { starting_after: after }) },
        clientSecretKey,
      ),
    (p) => [
      p.id,
      new Date(p.created * 1000).toISOString(),
      minorToDecimal(p.amount, p.currency),
      minorToDecimal(p.amount_received, p.currency),
      p.currency.toUpperCase(),
      p.status,
      p.card?.brand ?? '',
      p.card?.last4 ?? '',
      neutral(p.customer_email ?? ''),
      neutral(p.description ?? ''),
    ],
  );
}
