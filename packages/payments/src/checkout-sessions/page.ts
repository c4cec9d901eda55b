import type { CheckoutPage } from '@kassa/contracts';
import { derivePublishableKey, hashApiKey, type Queryable, query } from '@kassa/db';
import type { PaymentsServices } from '../context.ts';
import { notFound } from '../errors.ts';
import { clientSecretFor } from '../payments/client-secret.ts';
import type { CheckoutSessionRow } from './store.ts';

/**
 * What the hosted page needs to show a session and let the shopper pay: checkout.sessions.retrieve,
 * which takes no key. The session id (143 random bits, in the page's address) is the shopper's
 * capability, as a payment link is; it reveals the order, and while the session is open the
 * publishable key and client secret the page pays with. Never the payment's details, never
 * another object. An unknown id is a 404 like any other.
 */
export async function checkoutPage(
  db: Queryable,
  services: Pick<PaymentsServices, 'clientSecretKey' | 'secretKey'>,
  id: string,
): Promise<CheckoutPage> {
  const [row] = await query<
    CheckoutSessionRow & {
      merchant_name: string;
      payment_status: string;
      past_expiry: boolean;
      in_progress: boolean;
    }
  >(
    db,
    `SELECT s.*, m.name AS merchant_name, p.status AS payment_status, s.expires_at <= now() AS past_expiry,
            EXISTS (SELECT 1 FROM payment_attempts a WHERE a.payment_intent_id = p.id
                     AND a.kind = 'authorize' AND a.status IN ('pending', 'requires_action')) AS in_progress
       FROM checkout_sessions s
       JOIN merchants m ON m.id = s.merchant_id
       JOIN payment_intents p ON p.id = s.payment_intent_id
      WHERE s.id = $1`,
    [id],
  );
  if (!row) throw notFound('checkout_session', id);
  const status = row.status === 'open' && row.past_expiry ? 'expired' : row.status;
  const open = status === 'open';
  return {
    id: row.id,
    status,
    merchant_name: row.merchant_name,
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
    publishable_key: open ? await publishableKeyOf(db, services, row) : null,
    client_secret: open ? clientSecretFor(services.clientSecretKey, row.id) : null,
  };
}

/**
 * The merchant's newest publishable key of the session's mode that the platform can show: keys
 * are stored as hashes only, and a publishable key issued with the platform secret is derived
 * from it (derivePublishableKey), so it can be recomputed and checked against its hash.
 */
async function publishableKeyOf(
  db: Queryable,
  services: Pick<PaymentsServices, 'secretKey'>,
  session: CheckoutSessionRow,
): Promise<string | null> {
  const mode = session.livemode ? 'live' : 'test';
  const keys = await query<{ id: string; hash: string }>(
    db,
    `SELECT id, hash FROM api_keys WHERE merchant_id = $1 AND kind = 'publishable' AND mode = $2
        AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 20`,
    [session.merchant_id, mode],
  );
  for (const key of keys) {
    const candidate = derivePublishableKey(services.secretKey, key.id, mode);
    if (hashApiKey(candidate) === key.hash) return candidate;
  }
  return null;
}
