import type { CheckoutPage } from '@kassa/contracts';
import { declineMessage, formatMoney, Money } from '@kassa/ui';
import { notFound } from 'next/navigation';
import { loadSession, publicApiUrl } from '../../../lib/session.ts';
import { PayForm } from './pay-form.tsx';

export const dynamic = 'force-dynamic';

function Summary({ session }: { session: CheckoutPage }) {
  return (
    <section className="summary" aria-labelledby="summary-title">
      <p className="merchant">
        {session.merchant_name}
        {!session.livemode && <span className="test-badge">Test mode</span>}
      </p>
      <h1 id="summary-title" className="total">
        <span className="visually-hidden">Total to pay: </span>
        <Money amount={session.amount_total} currency={session.currency} />
      </h1>
      <ul className="items">
        {session.line_items.map((item, index) => (
          // Items have no id of their own; their order is fixed.
          // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders
          <li key={index}>
            <span className="item-name">
              {item.name}
              {item.quantity > 1 && (
                <span className="item-quantity">
                  {' '}
                  × {item.quantity} at {formatMoney(item.unit_amount, session.currency)}
                </span>
              )}
            </span>
            <Money amount={item.amount_total} currency={session.currency} />
          </li>
        ))}
        <li className="items-total">
          <span>Total</span>
          <Money amount={session.amount_total} currency={session.currency} />
        </li>
      </ul>
    </section>
  );
}

export default async function PayPage(props: {
  params: Promise<{ sessionId: string }>;
  searchParams: Promise<{ error?: string }>;
}) {
  const { sessionId } = await props.params;
  const session = await loadSession(sessionId);
  if (!session) notFound();

  if (session.status === 'complete') {
    return (
      <main className="notice">
        <h1>This order is already paid</h1>
        <p>
          {session.merchant_name} has received your payment of{' '}
          <Money amount={session.amount_total} currency={session.currency} />. There is nothing more
          to do here.
        </p>
        <p>
          <a className="button-link" href={session.success_url}>
            Return to {session.merchant_name}
          </a>
        </p>
      </main>
    );
  }
  if (session.status === 'expired') {
    return (
      <main className="notice">
        <h1>This payment page has expired</h1>
        <p>No payment was taken. Go back to {session.merchant_name} to start again.</p>
        <p>
          <a className="button-link" href={session.cancel_url}>
            Return to {session.merchant_name}
          </a>
        </p>
      </main>
    );
  }

  const { error } = await props.searchParams;
  return (
    <main className="checkout">
      <p className="back">
        <a href={session.cancel_url}>← Back to {session.merchant_name}</a>
      </p>
      <Summary session={session} />
      <PayForm
        apiUrl={publicApiUrl()}
        sessionId={session.id}
        publishableKey={session.publishable_key ?? ''}
        clientSecret={session.client_secret ?? ''}
        amountLabel={formatMoney(session.amount_total, session.currency)}
        email={session.customer_email ?? ''}
        successUrl={session.success_url}
        initialError={
          error === 'authentication_failed'
            ? declineMessage('authentication_failed', undefined)
            : undefined
        }
      />
    </main>
  );
}
