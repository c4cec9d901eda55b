'use client';

import { EmptyState, ErrorState, LoadingState, Money, StatusBadge, TableScroll } from '@kassa/ui';
import { minorToDecimal } from '@kassa/ui/money';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { cardLabel, formatDate } from '../../../../components/payments-table.tsx';
import { RiskPanel } from '../../../../components/risk-panel.tsx';
import { useCan } from '../../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../../lib/trpc.tsx';
import { PaymentActions } from './payment-actions.tsx';
import { RefundForm } from './refund-form.tsx';

const THREE_D_SECURE: Record<string, string> = {
  not_requested: 'Not requested',
  pending: 'Waiting for the shopper',
  authenticated: 'Authenticated',
  failed: 'Failed',
};

const FUNDING: Record<string, string> = {
  credit: 'Credit',
  debit: 'Debit',
  prepaid: 'Prepaid',
  unknown: 'Unknown',
};

export function PaymentDetail(props: { id: string }) {
  const trpc = useTRPC();
  const canRefund = useCan('payments.refund');
  const canManage = useCan('payments.manage');
  const detail = useQuery(trpc.dashboard.paymentIntents.detail.queryOptions({ id: props.id }));
  const refunds = useQuery(
    trpc.dashboard.refunds.list.queryOptions({ payment_intent: props.id, limit: 100 }),
  );

  if (detail.isPending) return <LoadingState label="Loading the payment…" />;
  if (detail.isError) {
    const error = kassaError(detail.error);
    return (
      <>
        <p>
          <Link href="/payments">← Payments</Link>
        </p>
        <ErrorState
          title={error?.code === 'resource_missing' ? 'No such payment' : undefined}
          message={error?.message ?? detail.error.message}
          requestId={error?.request_id}
        />
      </>
    );
  }
  const { payment: pi, card } = detail.data;
  const refundable = pi.amount_received - detail.data.refunded;

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
      {canManage &&
        (pi.status === 'requires_capture' || pi.status === 'requires_payment_method') && (
          <PaymentActions
            paymentId={pi.id}
            status={pi.status}
            currency={pi.currency}
            capturable={pi.amount_capturable}
          />
        )}
      <div className="detail-grid">
        <section aria-labelledby="summary-heading">
          <h2 id="summary-heading">Summary</h2>
          <dl className="facts">
            <dt>Payment</dt>
            <dd className="mono">{pi.id}</dd>
            <dt>Created (UTC)</dt>
            <dd>{formatDate(pi.created)}</dd>
            <dt>Received</dt>
            <dd>
              <Money amount={pi.amount_received} currency={pi.currency} />
            </dd>
            <dt>Fee</dt>
            <dd>
              <Money amount={detail.data.fee} currency={pi.currency} />
            </dd>
            <dt>Refunded</dt>
            <dd>
              <Money amount={detail.data.refunded} currency={pi.currency} />
            </dd>
            <dt>Net</dt>
            <dd>
              <Money amount={detail.data.net} currency={pi.currency} />
            </dd>
            <dt>Capture</dt>
            <dd>{pi.capture_method}</dd>
            <dt>Description</dt>
            <dd>{pi.description ?? '—'}</dd>
            <dt>Customer</dt>
            <dd>{pi.customer ? <code>{pi.customer}</code> : '—'}</dd>
            {pi.last_payment_error && (
              <>
                <dt>Last error</dt>
                <dd>
                  {pi.last_payment_error.message} ({pi.last_payment_error.code})
                </dd>
              </>
            )}
          </dl>
        </section>
        <section aria-labelledby="card-heading">
          <h2 id="card-heading">Card</h2>
          {card ? (
            <dl className="facts">
              <dt>Card</dt>
              <dd>{cardLabel(card)}</dd>
              <dt>Expires</dt>
              <dd>
                {String(card.exp_month).padStart(2, '0')} / {card.exp_year}
              </dd>
              <dt>Funding</dt>
              <dd>{FUNDING[card.funding] ?? card.funding}</dd>
              <dt>Country</dt>
              <dd>{card.country ?? 'Unknown'}</dd>
              <dt>3-D Secure</dt>
              <dd>{THREE_D_SECURE[detail.data.three_d_secure] ?? detail.data.three_d_secure}</dd>
            </dl>
          ) : (
            <EmptyState title="No card yet">The shopper has not paid.</EmptyState>
          )}
        </section>
      </div>

      <RiskPanel
        risk={pi.risk}
        reviewOpen={detail.data.open_review !== null && detail.data.open_review === pi.risk?.review}
      />

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

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline">
          {detail.data.timeline.map((event) => (
            <li key={event.id}>
              <span className="mono">{event.type}</span>
              <span className="muted">
                {' '}
                · {formatDate(event.created)} · {event.id}
              </span>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Ledger entries</h2>
        {detail.data.ledger.length === 0 ? (
          <EmptyState title="Nothing booked yet" />
        ) : (
          <TableScroll label="Ledger entries of this payment">
            <table className="data-table">
              <caption className="visually-hidden">Ledger entries of this payment</caption>
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col">Account</th>
                  <th scope="col" className="num">
                    Debit
                  </th>
                  <th scope="col" className="num">
                    Credit
                  </th>
                  <th scope="col">Kind</th>
                </tr>
              </thead>
              <tbody>
                {detail.data.ledger.flatMap((entry) =>
                  entry.legs.map((leg, index) => (
                    <tr key={leg.id}>
                      <td>{index === 0 ? `${entry.code} · ${formatDate(entry.created)}` : ''}</td>
                      <td>
                        {leg.owner === 'platform' ? 'Platform: ' : ''}
                        {leg.account.replaceAll('_', ' ')}
                      </td>
                      <td className="num">
                        {leg.side === 'debit' && (
                          <Money amount={leg.amount} currency={leg.currency} />
                        )}
                      </td>
                      <td className="num">
                        {leg.side === 'credit' && (
                          <Money amount={leg.amount} currency={leg.currency} />
                        )}
                      </td>
                      <td>{leg.kind}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>

      <section aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Webhook deliveries</h2>
        {detail.data.webhook_deliveries.length === 0 ? (
          <EmptyState title="No deliveries">
            No webhook endpoint of this merchant listens for these events.
          </EmptyState>
        ) : (
          <TableScroll label="Webhook deliveries of this payment's events">
            <table className="data-table">
              <caption className="visually-hidden">
                Webhook deliveries of this payment's events
              </caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Last answer</th>
                </tr>
              </thead>
              <tbody>
                {detail.data.webhook_deliveries.map((delivery) => (
                  <tr key={delivery.id}>
                    <td className="mono">{delivery.event_type}</td>
                    <td className="mono">{delivery.url}</td>
                    <td>
                      <StatusBadge status={delivery.status} />
                    </td>
                    <td className="num">{delivery.attempts}</td>
                    <td>
                      {delivery.last_response_status
                        ? `HTTP ${delivery.last_response_status}`
                        : (delivery.last_error ?? '—')}
                      {delivery.last_attempt ? ` · ${formatDate(delivery.last_attempt)}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </>
  );
}
