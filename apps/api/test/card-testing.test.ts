import { apiVariables, loadConfig } from '@kassa/config';
import { query } from '@kassa/db';
import { DEFAULT_CARD_TESTING_LIMITS } from '@kassa/payments';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardTestingLimits } from '../src/server.ts';
import {
  client,
  newMerchant,
  startAcquirer,
  startApi,
  testCard,
  useApiDatabase,
} from './support.ts';

// A card-testing attack through the hosted checkout, run as a script would: dozens of stolen
// cards against one payment, then one card each against many payments from one address, then
// one card from many addresses. Each is stopped at its limit, before the acquirer is asked,
// while a real shopper elsewhere pays. Client addresses come from X-Forwarded-For, which this
// API believes (trustProxy), as it would behind the platform's own proxy.

const db = useApiDatabase();
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let merchant: Awaited<ReturnType<typeof newMerchant>>;
let app: FastifyInstance;
let base: string;
const LIMITS = { perPayment: 10, perCheckout: 3, perCard: 4, perClient: 6, windowMs: 3_600_000 };

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  merchant = await newMerchant(db.current);
  ({ app, base } = await startApi(
    db.current,
    { url: acquirer.url },
    { trustProxy: true, cardTesting: LIMITS },
  ));
});

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

const DECLINING = {
  generic: '4000000000000002',
  funds: '4000000000009995',
  lost: '4000000000009987',
  stolen: '4000000000009979',
  expired: '4000000000000069',
  cvc: '4000000000000127',
  processing: '4000000000000119',
};

async function payment() {
  const created = await client(base, merchant.secretKey)<{ id: string; client_secret: string }>(
    'paymentIntents.create',
    { amount: 500, currency: 'eur' },
  );
  return created.body;
}

function shopper(ip: string) {
  const call = client(base, merchant.publishableKey);
  return (clientSecret: string, number: string) =>
    call<{ status: string }>(
      'checkout.paymentIntents.confirm',
      {
        client_secret: clientSecret,
        payment_method_data: testCard(number),
      },
      { headers: { 'x-forwarded-for': ip } },
    );
}

const askedOf = async (ids: string[]) =>
  (
    await query(
      db.current.pool,
      'SELECT id FROM acquirer_sim.authorizations WHERE reference = ANY($1)',
      [ids],
    )
  ).length;

describe('card testing through the checkout', () => {
  it('the shopper sees a generic decline for a lost card; the merchant sees why', async () => {
    const target = await payment();
    const declined = await shopper('192.0.2.10')(target.client_secret, DECLINING.lost);
    expect(declined).toMatchObject({
      status: 402,
      error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
    });
    const seenByShopper = await client(base, merchant.publishableKey)<{
      last_payment_error: { decline_code: string };
    }>(
      'checkout.paymentIntents.retrieve',
      { client_secret: target.client_secret },
      { query: true },
    );
    expect(seenByShopper.body.last_payment_error.decline_code).toBe('generic_decline');
    const seenByMerchant = await client(base, merchant.secretKey)<{
      last_payment_error: { decline_code: string };
    }>('paymentIntents.retrieve', { id: target.id }, { query: true });
    expect(seenByMerchant.body.last_payment_error.decline_code).toBe('lost_card');
    // Insufficient funds is no secret: the shopper is told.
    const other = await payment();
    const funds = await shopper('192.0.2.11')(other.client_secret, DECLINING.funds);
    expect(funds.error).toMatchObject({ decline_code: 'insufficient_funds' });
  });

  it('dozens of cards against one payment: the checkout locks it after a few declines', async () => {
    const target = await payment();
    const attack = shopper('203.0.113.5');
    const cards = Object.values(DECLINING);
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++)
      statuses.push((await attack(target.client_secret, cards[i % 3] as string)).status);
    expect(statuses.slice(0, 3)).toEqual([402, 402, 402]);
    expect(new Set(statuses.slice(3))).toEqual(new Set([429]));
    expect(await askedOf([target.id])).toBe(3);
    // Even a good card is refused there now: the payment is locked, not the card.
    const locked = await attack(target.client_secret, '4242424242424242');
    expect(locked).toMatchObject({ status: 429, error: { code: 'payment_attempts_exceeded' } });
  });

  it('one card each against many payments from one address: stopped at the address limit', async () => {
    const attack = shopper('198.51.100.7');
    const targets = await Promise.all(Array.from({ length: 12 }, () => payment()));
    const cards = [
      DECLINING.expired,
      DECLINING.cvc,
      DECLINING.processing,
      DECLINING.generic,
      DECLINING.funds,
      DECLINING.stolen,
    ];
    const statuses: number[] = [];
    for (const [i, target] of targets.entries()) {
      statuses.push((await attack(target.client_secret, cards[i % cards.length] as string)).status);
    }
    expect(statuses.slice(0, 6)).toEqual([402, 402, 402, 402, 402, 402]);
    expect(new Set(statuses.slice(6))).toEqual(new Set([429]));
    expect(await askedOf(targets.map((t) => t.id))).toBe(6);

    // A real shopper, elsewhere, on a session of their own, pays.
    const honest = await payment();
    const paid = await shopper('192.0.2.44')(honest.client_secret, '4242424242424242');
    expect(paid.body).toMatchObject({ status: 'succeeded' });
  });

  it('one stolen card from many addresses: stopped at the card limit', async () => {
    const statuses: number[] = [];
    const targets = [];
    for (let i = 0; i < 8; i++) {
      const target = await payment();
      targets.push(target);
      statuses.push(
        (await shopper(`100.64.0.${i + 1}`)(target.client_secret, DECLINING.stolen)).status,
      );
    }
    // The stolen card failed once already (the address attack): three more, then refused.
    expect(statuses.slice(0, 3)).toEqual([402, 402, 402]);
    expect(new Set(statuses.slice(3))).toEqual(new Set([429]));
    expect(await askedOf(targets.map((t) => t.id))).toBe(3);
  });
});

describe('publishable-key traffic and batches', () => {
  it('a batch holds at most 10 calls', async () => {
    const batch = (n: number) =>
      fetch(
        `${base}/trpc/${Array.from({ length: n }, () => 'system.ping').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`,
      );
    expect((await batch(10)).status).toBe(200);
    expect((await batch(11)).status).toBe(400);
  });

  it('is rate-limited per client address, not in one bucket per key', async () => {
    const limited = await startApi(
      db.current,
      { url: acquirer.url },
      { trustProxy: true, rateLimit: 5 },
    );
    try {
      const from = (ip: string) =>
        fetch(
          `${limited.base}/trpc/checkout.paymentIntents.retrieve?input=${encodeURIComponent('{"client_secret":"x"}')}`,
          {
            headers: { authorization: `Bearer ${merchant.publishableKey}`, 'x-forwarded-for': ip },
          },
        ).then((r) => r.status);
      const one: number[] = [];
      for (let i = 0; i < 8; i++) one.push(await from('203.0.113.99'));
      expect(one.slice(-1)).toEqual([429]);
      expect(await from('192.0.2.200')).not.toBe(429);
    } finally {
      await limited.app.close();
    }
  });
});

describe('the limits as configured', () => {
  const required = {
    KASSA_SECRET_KEY: 's'.repeat(32),
    NEXTAUTH_SECRET: 'n'.repeat(32),
    KASSA_VAULT_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    KASSA_VAULT_FINGERPRINT_KEY: 'f'.repeat(32),
    ACQUIRER_API_KEY: 'a'.repeat(32),
  };

  it('unset, the CARD_TESTING_* variables give the domain defaults', () => {
    expect(cardTestingLimits(loadConfig(apiVariables, required))).toEqual(
      DEFAULT_CARD_TESTING_LIMITS,
    );
  });

  it('set, each one reaches its limit; out of range is refused by name', () => {
    const config = loadConfig(apiVariables, {
      ...required,
      CARD_TESTING_PER_PAYMENT: '7',
      CARD_TESTING_PER_CHECKOUT: '2',
      CARD_TESTING_PER_CARD: '4',
      CARD_TESTING_PER_CLIENT: '25',
      CARD_TESTING_WINDOW_MS: '900000',
    });
    expect(cardTestingLimits(config)).toEqual({
      perPayment: 7,
      perCheckout: 2,
      perCard: 4,
      perClient: 25,
      windowMs: 900_000,
    });
    expect(() => loadConfig(apiVariables, { ...required, CARD_TESTING_PER_CHECKOUT: '0' })).toThrow(
      /CARD_TESTING_PER_CHECKOUT/,
    );
  });
});
