'use client';

import { EmptyState, ErrorState, LoadingState, Money, StatusBadge, TableScroll } from '@kassa/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState } from 'react';
import { formatDate } from '../../../components/payments-table.tsx';
import { ReviewActions, RiskScore } from '../../../components/risk-panel.tsx';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

const OPENED: Record<string, string> = {
  rule: 'A review rule',
  fallback: 'Fallback (fraud service down)',
  manual: 'Opened by hand',
};
const CLOSED: Record<string, string> = {
  approved: 'Approved',
  canceled: 'Rejected: canceled',
  refunded: 'Refunded',
  refunded_as_fraud: 'Rejected: refunded',
};

/**
 * The review queue: payments the risk rules held (authorized, not captured) or let through while
 * the fraud service was down. Approve captures; reject cancels (or refunds) as fraudulent.
 */
export function Reviews() {
  const trpc = useTRPC();
  const canDecide = useCan('payments.manage');
  const [open, setOpen] = useState(true);
  const showId = useId();
  const queue = useQuery(trpc.dashboard.reviews.queue.queryOptions({ open, limit: 100 }));
  return (
    <>
      <h1>Reviews</h1>
      <p className="lede">
        Payments your risk rules held for a person. Approving one captures it; rejecting it cancels
        it, or refunds it if it already went through.
      </p>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={showId}>Show</label>
          <select
            id={showId}
            value={open ? 'open' : 'closed'}
            onChange={(event) => setOpen(event.target.value === 'open')}
          >
            <option value="open">Open reviews</option>
            <option value="closed">Closed reviews</option>
          </select>
        </div>
      </div>
      {queue.isPending ? (
        <LoadingState label="Loading reviews…" />
      ) : queue.isError ? (
        <ErrorState message={kassaError(queue.error)?.message ?? queue.error.message} />
      ) : queue.data.length === 0 ? (
        <EmptyState title={open ? 'Nothing to review' : 'No closed reviews'}>
          {open ? 'No payment is waiting for a decision.' : ''}
        </EmptyState>
      ) : (
        <TableScroll label="Reviews">
          <table className="data-table">
            <caption className="visually-hidden">{open ? 'Open' : 'Closed'} reviews</caption>
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Risk</th>
                <th scope="col">Why</th>
                <th scope="col">{open ? 'Decision' : 'Outcome'}</th>
              </tr>
            </thead>
            <tbody>
              {queue.data.map(({ review, payment }) => (
                <tr key={review.id}>
                  <th scope="row">
                    <Link href={`/payments/${payment.id}`} className="mono">
                      {payment.id}
                    </Link>
                    <div>
                      <StatusBadge status={payment.status} />{' '}
                      <span className="hint">{formatDate(review.created)}</span>
                    </div>
                  </th>
                  <td className="num">
                    <Money amount={payment.amount} currency={payment.currency} />
                  </td>
                  <td>{payment.risk ? <RiskScore risk={payment.risk} /> : '—'}</td>
                  <td>
                    {payment.risk?.rule ? (
                      <code>{payment.risk.rule.predicate}</code>
                    ) : (
                      OPENED[review.opened_reason]
                    )}
                    {payment.risk && payment.risk.reasons.length > 0 && (
                      <ul className="risk-reasons compact">
                        {payment.risk.reasons.slice(0, 3).map((reason) => (
                          <li key={reason.feature}>
                            +{reason.points} {reason.description}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {!review.open ? (
                      (CLOSED[review.closed_reason ?? ''] ?? review.closed_reason)
                    ) : canDecide ? (
                      <ReviewActions review={review.id} />
                    ) : (
                      'Owners, admins, developers and support decide'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
