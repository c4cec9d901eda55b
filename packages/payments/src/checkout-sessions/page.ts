import type { CheckoutPage } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { PaymentsServices } from '../context.ts';
import { notFound } from '../errors.ts';
import { clientSecretFor } from '../payments/client-secret.ts';
import type { CheckoutSessionRow } from './store.ts';

/**
 * What the hosted page needs to show a session and let the shopper pay: checkout.sessions.retrieve,
 * which takes no key. The session id (143 random bits, in the page's address) is the shopper's
 * capability, as a payment link is; it reveals the order, and while the session is open the
 * client secret the page pays with (alone: publishable keys are random and stored hashed, so
 * there is none to show). Never the payment's details, never another object. An unknown id is
 * a 404 like any other.
 */
export async function checkoutPage(
  db: Queryable,
  services: Pick<PaymentsServices, 'clientSecretKey' | 'clock'>,
  id: string,
): Promise<CheckoutPage> {
  const [row] = await query<
    CheckoutSessionRow & {
      merchant_name: string;
      support_email: string | null;
      support_phone: string | null;
      support_url: string | null;
      payment_status: string;
      past_expiry: boolean;
      in_progress: boolean;
    }
  >(
    db,
    `SELECT s.*, coalesce(m.public_name, m.name) AS merchant_name, m.support_email, m.support_phone,
            m.support_url, p.status AS payment_status, s.expires_at <= $2 AS past_expiry,
            EXISTS (SELECT 1 FROM payment_attempts a WHERE a.payment_intent_id = p.id
                     AND a.kind = 'authorize' AND a.status IN ('pending', 'requires_action')) AS in_progress
       FROM checkout_sessions s
       JOIN merchants m ON m.id = s.merchant_id
       JOIN payment_intents p ON p.id = s.payment_intent_id
      WHERE s.id = $1`,
    [id, services.clock.now()],
  );
  if (!row) throw notFound('checkout_session', id);
  const status = row.status === 'open' && row.past_expiry ? 'expired' : row.status;
  const open = status === 'open';
  return {
    id: row.id,
    status,
    merchant_name: row.merchant_name,
    merchant_support: {
      email: row.support_email,
      phone: row.support_phone,
      url: row.support_url,
    },
    amount_total: Number(row.amount_total),
    currency: row.currency.toLowerCase(),
    line_items: row.line_items,
    customer_email: row.customer_email,
    success_url: row.success_url.replaceAll('{CHECKOUT_SESSION_ID}', row.id),
    cancel_url: row.cancel_url.replaceAll('{CHECKOUT_SESSION_ID}', row.id),
    expires_at: Math.floor(row.expires_at.getTime() / 1000),
    livemode: row.livemode,
    payment_intent_status: row.payment_status as CheckoutPage['payment_intent_status'],
    payment_in_progress: row.in_progress,
    client_secret: open ? clientSecretFor(services.clientSecretKey, row.id) : null,
  };
}
