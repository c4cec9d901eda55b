'use client';

import { EmptyState, ErrorState, LoadingState, Money, StatusBadge } from '@kassa/ui';
import { minorToDecimal } from '@kassa/ui/money';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatDate } from '../../../../components/payments-table.tsx';
import { useCan } from '../../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../../lib/trpc.tsx';
import { RefundForm } from './refund-form.tsx';

export function PaymentDetail(props: { id: string }) {
  const trpc = useTRPC();
  const canRefund = useCan('payments.refund');
  const payment = useQuery(trpc.dashboard.paymentIntents.retrieve.queryOptions({ id: props.id }));
  const refunds = useQuery(
    trpc.dashboard.refunds.list.queryOptions({ payment_intent: props.id, limit: 100 }),
  );

  if (payment.isPending) return <LoadingState label="Loading the payment…" />;
  if (payment.isError) {
    const error = kassaError(payment.error);
    return (
      <>
        <p>
          <Link href="/payments">← Payments</Link>
        </p>
        <ErrorState
          title={error?.code === 'resource_missing' ? 'No such payment' : undefined}
          message={error?.message ?? payment.error.message}
          requestId={error?.request_id}
        />
      </>
    );
  }
  const pi = payment.data;
  const refunded = (refunds.data?.data ?? [])
    .filter((r) => r.status === 'succeeded' || r.status === 'pending')
    .reduce((sum, r) => sum + r.amount, 0);
  const refundable = pi.amount_received - refunded;

  return (
    <>
      <p>
        <Link href="/payments">← Payments</Link>
      </p>
      <header className="detail-head">
        <h1>
          <Money amount={pi.amount} currency={pi.currency} />{' '}
          <span className="currency">{pi.currency.toUpperCase()}</span>
        </h1>
        <StatusBadge status={pi.status} />
      </header>
      <dl className="facts">
        <dt>Payment</dt>
        <dd className="mono">{pi.id}</dd>
        <dt>Created (UTC)</dt>
        <dd>{formatDate(pi.created)}</dd>
        <dt>Received</dt>
        <dd>
          <Money amount={pi.amount_received} currency={pi.currency} />
        </dd>
        <dt>Refunded</dt>
        <dd>
          <Money amount={refunded} currency={pi.currency} />
        </dd>
        <dt>Capture</dt>
        <dd>{pi.capture_method}</dd>
        <dt>Description</dt>
        <dd>{pi.description ?? '—'}</dd>
        {pi.last_payment_error && (
          <>
            <dt>Last error</dt>
            <dd>
              {pi.last_payment_error.message} ({pi.last_payment_error.code})
            </dd>
          </>
        )}
      </dl>

      <section aria-labelledby="refunds-heading">
        <h2 id="refunds-heading">Refunds</h2>
        {refunds.isPending ? (
          <LoadingState label="Loading refunds…" />
        ) : refunds.isError ? (
          <ErrorState message={kassaError(refunds.error)?.message ?? refunds.error.message} />
        ) : refunds.data.data.length === 0 ? (
          <EmptyState title="No refunds" />
        ) : (
          <ul className="refunds">
            {refunds.data.data.map((refund) => (
              <li key={refund.id}>
                <Money amount={refund.amount} currency={refund.currency} />{' '}
                <StatusBadge status={refund.status} />{' '}
                {refund.reason && <span>{refund.reason.replaceAll('_', ' ')}</span>}{' '}
                <span className="mono">{refund.id}</span> · {formatDate(refund.created)}
              </li>
            ))}
          </ul>
        )}
        {canRefund && pi.status === 'succeeded' && refundable > 0 && (
          <RefundForm
            paymentId={pi.id}
            currency={pi.currency}
            refundable={refundable}
            refundableText={minorToDecimal(refundable, pi.currency)}
          />
        )}
      </section>
    </>
  );
}
