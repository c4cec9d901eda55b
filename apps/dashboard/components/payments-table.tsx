'use client';

import { Money, StatusBadge, TableScroll } from '@kassa/ui';
import Link from 'next/link';

export interface PaymentRow {
  id: string;
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  description: string | null;
  created: number;
  card: { brand: string; last4: string } | null;
  customer_email: string | null;
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

/** A card as people say it: "Visa •••• 4242". Never more than brand and last 4. */
export const cardLabel = (card: { brand: string; last4: string }) =>
  `${BRANDS[card.brand] ?? card.brand} •••• ${card.last4}`;

/** Dates in the viewer's locale, in UTC so that server and browser render the same text. */
export const formatDate = (seconds: number) =>
  new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(new Date(seconds * 1000));

export function PaymentsTable(props: { payments: PaymentRow[]; caption: string }) {
  return (
    <TableScroll label={props.caption}>
      <table className="data-table">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Card</th>
            <th scope="col">Customer</th>
            <th scope="col">Description</th>
            <th scope="col">Payment</th>
            <th scope="col">Created (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {props.payments.map((payment) => (
            <tr key={payment.id}>
              <td className="num">
                <Money amount={payment.amount} currency={payment.currency} />
              </td>
              <td>
                <StatusBadge status={payment.status} />
              </td>
              <td>{payment.card ? cardLabel(payment.card) : '—'}</td>
              <td>{payment.customer_email ?? '—'}</td>
              <td>{payment.description ?? '—'}</td>
              <td>
                <Link href={`/payments/${payment.id}`} className="mono">
                  {payment.id}
                </Link>
              </td>
              <td>{formatDate(payment.created)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
