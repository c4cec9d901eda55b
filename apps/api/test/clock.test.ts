import type { CheckoutPage, CheckoutSession, PaymentIntent } from '@kassa/contracts';
import { ManualClock } from '@kassa/contracts';
import { query } from '@kassa/db';
import {
  AUTHORIZATION_VALIDITY_MS,
  expireAuthorizations,
  expireDueCheckoutSessions,
} from '@kassa/payments';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  newMerchant,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// Business time (authorization expiry, checkout session expiry, the card-testing window) is read
// from the clock the API was given, never the machine's date or the database's now(): these
// tests move a ManualClock set years away from today, and nothing else moves. Leases (how long a
// call may hold a key or an attempt) stay on the database's clock, shared by every process.

const db = useApiDatabase();
const START = new Date('2031-03-10T09:00:00Z');
const clock = new ManualClock(START);
const LIMITS = { perPayment: 10, perCheckout: 10, perCard: 2, perClient: 100, windowMs: 3_600_000 };
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  merchant = await newMerchant(db.current);
  ({ app, base } = await startApi(
    db.current,
    { url: acquirer.url },
    { clock, trustProxy: true, cardTesting: LIMITS },
  ));
});

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

const call = () => client(base, merchant.secretKey);
const anonymous = () => client(base);
const advance = (ms: number) => clock.advance(ms);
const card = (number = '4242424242424242') => testCard(number, clock.now());

async function acquirerStatus(paymentId: string) {
  const [row] = await query<{ status: string }>(
    db.current.pool,
    'SELECT status FROM acquirer_sim.authorizations WHERE reference = $1',
    [paymentId],
  );
  return row?.status;
}

describe('authorization expiry by the injected clock', () => {
  it('an authorization lives seven days of the clock, then is voided by the sweep', async () => {
    const created = await call()<PaymentIntent>('paymentIntents.create', {
      amount: 3_300,
      currency: 'eur',
      capture_method: 'manual',
    });
    const id = created.body.id;
    const confirmed = await client(base, merchant.publishableKey)<PaymentIntent>(
      'checkout.paymentIntents.confirm',
      { client_secret: created.body.client_secret, payment_method_data: card() },
    );
    expect(confirmed.body).toMatchObject({ status: 'requires_capture' });

    advance(AUTHORIZATION_VALIDITY_MS - 60_000);
    await expireAuthorizations(app.kassaServices, app.log);
    const early = await call()<PaymentIntent>('paymentIntents.retrieve', { id }, { query: true });
    expect(early.body.status).toBe('requires_capture');
    expect(await acquirerStatus(id)).toBe('approved');

    advance(2 * 60_000);
    const late = await call()('paymentIntents.capture', { id });
    expect(late).toMatchObject({ status: 400, error: { code: 'charge_expired_for_capture' } });
    expect(await expireAuthorizations(app.kassaServices, app.log)).toBe(1);
    const expired = await call()<PaymentIntent>('paymentIntents.retrieve', { id }, { query: true });
    expect(expired.body).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
    expect(await acquirerStatus(id)).toBe('voided');
  });
});

describe('checkout session expiry by the injected clock', () => {
  it('open until expires_at on the clock; then the page shows it expired, it cannot be paid, the sweep expires it', async () => {
    const created = await call()<CheckoutSession>('checkoutSessions.create', {
      line_items: [{ name: 'Tea', unit_amount: 900 }],
      currency: 'eur',
      success_url: 'https://shop.example/ok',
      cancel_url: 'https://shop.example/cart',
    });
    expect(created.error).toBeUndefined();
    const session = created.body;
    expect(session.created).toBe(Math.floor(clock.now().getTime() / 1000));
    expect(session.expires_at - session.created).toBe(24 * 3_600);
    const page = async () =>
      (
        await anonymous()<CheckoutPage>(
          'checkout.sessions.retrieve',
          { id: session.id },
          {
            query: true,
          },
        )
      ).body;
    const view = await page();
    expect(view.status).toBe('open');

    advance(24 * 3_600_000 - 1_000);
    expect((await page()).status).toBe('open');
    expect(await expireDueCheckoutSessions(app.kassaServices, app.log)).toBe(0);

    advance(2_000);
    expect(await page()).toMatchObject({ status: 'expired', client_secret: null });
    const paid = await anonymous()('checkout.paymentIntents.confirm', {
      client_secret: view.client_secret,
      payment_method_data: card(),
    });
    expect(paid.error).toMatchObject({ code: 'checkout_session_expired', param: 'client_secret' });
    expect(await expireDueCheckoutSessions(app.kassaServices, app.log)).toBe(1);
    const swept = await call()<CheckoutSession>(
      'checkoutSessions.retrieve',
      { id: session.id },
      { query: true },
    );
    expect(swept.body.status).toBe('expired');
  });
});

describe('the card-testing window by the injected clock', () => {
  it('a card refused for its failures is tried again once the window has passed on the clock', async () => {
    const stolen = '4000000000009979';
    const attempt = async () => {
      const payment = (
        await call()<{ client_secret: string }>('paymentIntents.create', {
          amount: 500,
          currency: 'eur',
        })
      ).body;
      return (
        await client(base, merchant.publishableKey)('checkout.paymentIntents.confirm', {
          client_secret: payment.client_secret,
          payment_method_data: card(stolen),
        })
      ).status;
    };
    expect(await attempt()).toBe(402);
    advance(10 * 60_000);
    expect([await attempt(), await attempt()]).toEqual([402, 429]);
    advance(LIMITS.windowMs - 10 * 60_000 - 1_000);
    expect(await attempt()).toBe(429);
    advance(2_000);
    // The first failure is out of the window now; the second is still in it.
    expect(await attempt()).toBe(402);
    expect(await attempt()).toBe(429);
  });
});
