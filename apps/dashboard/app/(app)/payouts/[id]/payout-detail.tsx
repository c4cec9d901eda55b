'use client';

import { EmptyState, ErrorState, LoadingState, Money, StatusBadge, TableScroll } from '@kassa/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useCan } from '../../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../../lib/trpc.tsx';

const TYPES: Record<string, string> = {
  charge: 'Charge',
  refund: 'Refund',
  payout: 'Payout',
  payout_failure: 'Payout returned',
  adjustment: 'Adjustment',
  dispute: 'Dispute',
};

/** One payout and the balance transactions it paid out (they sum to zero with the payout). */
export function PayoutDetail(props: { id: string }) {
  const trpc = useTRPC();
  const allowed = useCan('balance.read');
  const payout = useQuery({
    ...trpc.dashboard.payouts.retrieve.queryOptions({ id: props.id }),
    enabled: allowed,
  });
  const transactions = useQuery({
    ...trpc.dashboard.balanceTransactions.list.queryOptions({ payout: props.id, limit: 100 }),
    enabled: allowed,
  });
  if (!allowed)
    return (
      <EmptyState title="Your role does not show payouts">
        Ask an owner or admin of this merchant.
      </EmptyState>
    );
  if (payout.isPending) return <LoadingState label="Loading the payout…" />;
  if (payout.isError)
    return <ErrorState message={kassaError(payout.error)?.message ?? payout.error.message} />;
  const p = payout.data;
  return (
    <>
      <p>
        <Link href="/payouts">← Payouts</Link>
      </p>
      <h1>
        Payout <Money amount={p.amount} currency={p.currency} />
      </h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={p.status} />
          {p.failure_code && ` ${p.failure_message} (${p.failure_code})`}
        </dd>
        <dt>Id</dt>
        <dd className="mono">{p.id}</dd>
        <dt>Arrival</dt>
        <dd>{p.arrival_date}</dd>
        <dt>Made</dt>
        <dd>{p.automatic ? `By the close of ${p.settlement_day}` : 'By hand'}</dd>
        <dt>Bank account</dt>
        <dd className="mono">{p.destination ?? '—'}</dd>
      </dl>
      <h2>Transactions</h2>
      {transactions.isPending ? (
        <LoadingState label="Loading its transactions…" />
      ) : transactions.isError ? (
        <ErrorState
          message={kassaError(transactions.error)?.message ?? transactions.error.message}
        />
      ) : (
        <TableScroll label="Transactions of the payout">
          <table className="data-table">
            <caption className="visually-hidden">
              The balance transactions this payout paid out, and the payout itself
            </caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Source</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Fee
                </th>
                <th scope="col" className="num">
                  Net
                </th>
              </tr>
            </thead>
            <tbody>
              {transactions.data.data.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{TYPES[t.type] ?? t.type}</th>
                  <td className="mono">
                    {t.source.startsWith('pi_') ? (
                      <Link href={`/payments/${t.source}`}>{t.source}</Link>
                    ) : (
                      t.source
                    )}
                  </td>
                  <td className="num">
                    <Money amount={t.amount} currency={t.currency} />
                  </td>
                  <td className="num">
                    <Money amount={t.fee} currency={t.currency} />
                  </td>
                  <td className="num">
                    <Money amount={t.net} currency={t.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Total
                </th>
                <td className="num">
                  <Money
                    amount={transactions.data.data.reduce((sum, t) => sum + t.net, 0)}
                    currency={p.currency}
                  />
                </td>
              </tr>
            </tfoot>
          </table>
        </TableScroll>
      )}
    </>
  );
}
