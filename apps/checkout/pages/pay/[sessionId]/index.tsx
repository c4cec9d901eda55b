import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckoutPage } from '@kassa/contracts';
import { CardNumberField, declineMessage, formatMoney, Money, StatusBadge } from '@kassa/ui';
import type { GetServerSideProps } from 'next';
import { loadSession, publicApiUrl } from '../../../lib/session.ts';

/**
 * The pay page is rendered on the server and ships no framework to the browser: its only script
 * is the card form's (client/pay-form.ts, a few KB), loaded with this request's CSP nonce. A
 * payment page should carry as little code as it can.
 */
export const config = { unstable_runtimeJS: false };

interface Props {
  session: CheckoutPage;
  apiUrl: string;
  nonce: string;
  script: string;
  error: string | null;
}

let script: string | undefined;
/** The form script's address, with its content hash so browsers never run a stale one. */
function formScript(): string {
  if (!script) {
    const manifest = JSON.parse(
      readFileSync(join(process.cwd(), 'public', '_kassa', 'pay-form.json'), 'utf8'),
    ) as { file: string; hash: string };
    script = `${manifest.file}?v=${manifest.hash}`;
  }
  return script;
}

export const getServerSideProps: GetServerSideProps<Props> = async (context) => {
  const session = await loadSession(String(context.params?.sessionId ?? ''));
  if (!session) return { notFound: true };
  return {
    props: {
      session,
      apiUrl: publicApiUrl(),
      nonce: String(context.req.headers['x-nonce'] ?? ''),
      script: formScript(),
      error:
        context.query.error === 'authentication_failed'
          ? declineMessage('authentication_failed', undefined)
          : null,
    },
  };
};

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
          // biome-ignore lint/suspicious/noArrayIndexKey: line items have no id and never reorder
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

/** How to reach the merchant, as its dashboard settings say; nothing when it gave none. */
function Support({ session }: { session: CheckoutPage }) {
  const { email, phone, url } = session.merchant_support;
  if (!email && !phone && !url) return null;
  return (
    <p className="support">
      Questions about this order? Contact {session.merchant_name}
      {email && (
        <>
          {' '}
          · <a href={`mailto:${email}`}>{email}</a>
        </>
      )}
      {phone && (
        <>
          {' '}
          · <a href={`tel:${phone.replace(/[^+\d]/g, '')}`}>{phone}</a>
        </>
      )}
      {url && (
        <>
          {' '}
          · <a href={url}>Support page</a>
        </>
      )}
    </p>
  );
}

function Field(props: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

export default function PayPage({ session, apiUrl, nonce, script: src, error }: Props) {
  if (session.status === 'complete') {
    return (
      <main className="notice">
        <StatusBadge status="complete" />
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
        <StatusBadge status="expired" />
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
  return (
    <main className="checkout">
      <p className="back">
        <a href={session.cancel_url}>← Back to {session.merchant_name}</a>
      </p>
      <Summary session={session} />
      <form
        className="pay"
        noValidate
        aria-describedby="pay-message"
        data-api-url={apiUrl}
        data-session-id={session.id}
        data-client-secret={session.client_secret ?? ''}
        data-success-url={session.success_url}
      >
        <Field id="pay-email" label="Email">
          <input
            id="pay-email"
            type="email"
            autoComplete="email"
            defaultValue={session.customer_email ?? ''}
          />
        </Field>
        <fieldset className="card">
          <legend>Card information</legend>
          <Field id="pay-number" label="Card number">
            <CardNumberField id="pay-number" placeholder="1234 1234 1234 1234" />
          </Field>
          <div className="field-row">
            <Field id="pay-expiry" label="Expiry (MM / YY)">
              <input
                id="pay-expiry"
                inputMode="numeric"
                autoComplete="cc-exp"
                placeholder="MM / YY"
              />
            </Field>
            <Field id="pay-cvc" label="Security code">
              <input
                id="pay-cvc"
                inputMode="numeric"
                autoComplete="cc-csc"
                placeholder="3 digits"
                maxLength={3}
              />
            </Field>
          </div>
        </fieldset>
        <Field id="pay-name" label="Name on card">
          <input id="pay-name" autoComplete="cc-name" />
        </Field>
        <Field id="pay-postal" label="Postal code">
          <input id="pay-postal" autoComplete="postal-code" />
        </Field>
        <p id="pay-message" className="form-error" role="alert" aria-live="assertive">
          {error ?? ''}
        </p>
        <button type="submit" className="pay-button">
          Pay {formatMoney(session.amount_total, session.currency)}
        </button>
        <p className="fine-print">
          Your card details go directly to the payment service, encrypted in transit.
        </p>
      </form>
      <Support session={session} />
      <script src={src} nonce={nonce} defer />
    </main>
  );
}
