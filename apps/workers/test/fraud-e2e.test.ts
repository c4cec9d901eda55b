import { query } from '@kassa/db';
import { Kassa, type PaymentIntent } from '@kassa/sdk';
import {
  client,
  newMerchant,
  startAcquirer,
  startApiProcess,
  startFraudService,
  testCard,
  useApiDatabase,
} from '@kassa/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './receiver.ts';

// Risk end to end, with real processes: the acquirer simulator, the fraud service (scoring over
// HTTP, its consumer group on the PostgreSQL bus) and the API, which asks the service during
// every confirmation. Each scenario has a merchant of its own, so one's features (the counts of
// its card) never reach another's.

const db = useApiDatabase();
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let fraud: Awaited<ReturnType<typeof startFraudService>>;
let api: Awaited<ReturnType<typeof startApiProcess>>;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  fraud = await startFraudService(db.current);
  api = await startApiProcess(db.current, {
    ACQUIRER_URL: acquirer.url,
    ...fraud.apiEnv,
    // A failed scoring call opens the breaker at once; its trial comes after 100 ms.
    FRAUD_BREAKER_THRESHOLD: '1',
    FRAUD_BREAKER_HALF_OPEN_MS: '100',
    FRAUD_TIMEOUT_MS: '2000',
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await fraud?.stop();
  await acquirer?.stop();
});

async function shop() {
  const merchant = await newMerchant(db.current);
  return {
    merchant,
    kassa: new Kassa(merchant.secretKey, { baseUrl: api.base, maxNetworkRetries: 0 }),
    browser: client(api.base, merchant.publishableKey),
    call: client(api.base, merchant.secretKey),
  };
}
type Shop = Awaited<ReturnType<typeof shop>>;

/** A payment confirmed by the shopper's browser (the hosted checkout's path), retrieved after. */
async function pay(s: Shop, amount: number, email?: string) {
  const created = await s.kassa.paymentIntents.create({ amount, currency: 'usd' });
  const confirmed = await s.browser<PaymentIntent>('checkout.paymentIntents.confirm', {
    client_secret: created.client_secret,
    payment_method_data: { ...testCard(), ...(email && { billing_details: { email } }) },
  });
  return { confirmed, payment: await s.kassa.paymentIntents.retrieve(created.id) };
}

/** Until the fraud service's consumer has recorded every attempt of this merchant. */
async function observed(s: Shop) {
  await eventually(async () => {
    const [row] = await query<{ missing: bigint }>(
      db.current.pool,
      `SELECT count(*) AS missing FROM payment_attempts a
        WHERE a.merchant_id = $1 AND a.kind = 'authorize' AND a.status <> 'pending'
          AND a.status <> 'abandoned'
          AND NOT EXISTS (SELECT 1 FROM risk_observations o WHERE o.attempt_id = a.id
                          AND o.outcome <> 'requires_action')`,
      [s.merchant.merchantId],
    );
    return row?.missing === 0n;
  }, 20_000);
}

describe('risk end to end', { timeout: 180_000 }, () => {
  it('blocks the sixth payment of one card within an hour by a default rule, with its reasons', async () => {
    const s = await shop();
    for (let i = 1; i <= 5; i++) {
      const { payment } = await pay(s, 1_000 + i);
      expect(payment.status, `payment ${i}`).toBe('succeeded');
      expect(payment.risk).toMatchObject({
        outcome: 'allow',
        decided_by: 'rules',
        rule: null,
        fallback_reason: null,
      });
      expect(payment.risk?.score).toBeGreaterThanOrEqual(0);
      await observed(s);
    }
    const sixth = await pay(s, 1_006);
    // The shopper is told only that the card was declined; the merchant sees why.
    expect(sixth.confirmed.status).toBe(402);
    expect(sixth.confirmed.error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect(sixth.payment.status).toBe('requires_payment_method');
    expect(sixth.payment.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'fraudulent',
    });
    expect(sixth.payment.risk).toMatchObject({
      outcome: 'block',
      decided_by: 'rules',
      rule: {
        id: 'rule_default_card_velocity',
        action: 'block',
        predicate: ':payment_count_for_card_hourly: >= 5',
      },
    });
    expect(sixth.payment.risk?.reasons).toContainEqual(
      expect.objectContaining({ feature: 'payment_count_for_card_hourly', value: '5' }),
    );
    // The acquirer was never asked: five authorizations, not six.
    const [sent] = await query<{ n: bigint }>(
      db.current.pool,
      `SELECT count(*) AS n FROM acquirer_sim.authorizations WHERE merchant = $1`,
      [s.merchant.merchantId],
    );
    expect(sent?.n).toBe(5n);
  });

  it('refuses a new rule with a syntax error, with its position; tests and enables a good one', async () => {
    const s = await shop();
    const bad = await s.call('riskRules.create', { source: 'review if :amount_in_usd: >> 1000' });
    expect(bad.status).toBe(400);
    expect(bad.error).toMatchObject({ code: 'rule_invalid', param: 'source' });
    expect(bad.error?.message).toContain('at column 28');
    const unknown = await s.call('riskRules.create', { source: 'block if :amount_in_eur: > 5' });
    expect(unknown.error?.message).toContain('unknown feature :amount_in_eur:');
    expect(unknown.error?.message).toContain('at column 10');

    // Two payments scored; the rule is tested on them before it is enabled.
    await pay(s, 70_000);
    await pay(s, 2_000);
    const test = await s.call<{ matched: number; assessed: number; payment_intents: string[] }>(
      'riskRules.test',
      { source: 'review if :amount_in_usd: > 500' },
      { query: true },
    );
    expect(test.body).toMatchObject({ assessed: 2, matched: 1, changed: 1 });
    const created = await s.call<{ id: string; action: string; default: boolean }>(
      'riskRules.create',
      { source: 'review if :amount_in_usd: > 500' },
    );
    expect(created.body).toMatchObject({ action: 'review', default: false });
    const rules = await s.call<{ data: Array<{ id: string }> }>(
      'riskRules.list',
      {},
      { query: true },
    );
    // The defaults were copied in with the first change; the new rule is among them.
    expect(rules.body.data.map((r) => r.id)).toEqual(
      expect.arrayContaining(['rule_default_card_velocity', created.body.id]),
    );
  });

  it('keeps the decision of a confirmation whose answer was lost when it is resumed', async () => {
    // An API that does not retry the acquirer: a lost answer leaves the attempt open.
    const impatient = await startApiProcess(db.current, {
      ACQUIRER_URL: acquirer.url,
      ...fraud.apiEnv,
      ACQUIRER_RETRIES: '0',
    });
    try {
      const s = await shop();
      const browser = client(impatient.base, s.merchant.publishableKey);
      const created = await s.kassa.paymentIntents.create({ amount: 2_000, currency: 'usd' });
      const confirm = () =>
        browser<PaymentIntent>('checkout.paymentIntents.confirm', {
          client_secret: created.client_secret,
          payment_method_data: { ...testCard(), billing_details: { email: 'late@example.com' } },
        });
      // Scored (allowed), then the acquirer's answer is lost.
      await acquirer.control({ lost_response_rate: 1 });
      try {
        expect((await confirm()).error).toMatchObject({ code: 'acquirer_timeout' });
      } finally {
        await acquirer.control({ lost_response_rate: 0 });
      }
      // The email is blocked meanwhile: a new scoring would block. The attempt is resumed (by
      // this retry, or the API's recovery sweep if it gets there first) and finishes with the
      // decision its first try stored; the service is not asked again.
      await s.kassa.riskLists.addItem({ list: 'blocked_emails', value: 'late@example.com' });
      await confirm();
      const payment = await eventually(async () => {
        const p = await s.kassa.paymentIntents.retrieve(created.id);
        return p.status === 'succeeded' ? p : undefined;
      }, 20_000);
      expect(payment.risk).toMatchObject({ outcome: 'allow', decided_by: 'rules' });
      const assessments = await query<{ outcome: string }>(
        db.current.pool,
        'SELECT outcome FROM risk_assessments WHERE payment_intent_id = $1',
        [created.id],
      );
      expect(assessments).toEqual([{ outcome: 'allow' }]);
    } finally {
      await impatient.stop();
    }
  });

  it('blocks what is on a block list, and refuses a value that is not of the list’s kind', async () => {
    const s = await shop();
    const item = await s.kassa.riskLists.addItem({
      list: 'blocked_emails',
      value: ' Thief@Example.com ',
    });
    expect(item.value).toBe('thief@example.com');
    const blocked = await pay(s, 2_000, 'THIEF@example.com');
    expect(blocked.payment.risk).toMatchObject({
      outcome: 'block',
      rule: { id: 'rule_default_blocked_emails' },
    });
    const other = await pay(s, 2_000, 'ada@example.com');
    expect(other.payment.status).toBe('succeeded');
    const lists = await s.kassa.riskLists.list();
    expect(lists.data.find((l) => l.alias === 'blocked_emails')?.items).toBe(1);
    const bad = await s.call('riskLists.addItem', { list: 'blocked_countries', value: 'Germany' });
    expect(bad.error).toMatchObject({ code: 'list_item_invalid', param: 'value' });
  });

  it('holds a payment for review; approving captures it, rejecting cancels it', async () => {
    const s = await shop();
    await s.kassa.riskRules.create({ source: 'review if :amount_in_usd: > 500' });
    const held = [await pay(s, 60_000), await pay(s, 75_000)];
    for (const { payment } of held) {
      expect(payment.status).toBe('requires_capture');
      expect(payment.risk).toMatchObject({ outcome: 'review', decided_by: 'rules' });
      expect(payment.risk?.review).toMatch(/^rev_/);
    }
    const open = await s.kassa.reviews.list({ open: true });
    expect(open.data.map((r) => r.payment_intent).sort()).toEqual(
      held.map((h) => h.payment.id).sort(),
    );
    const [first, second] = held.map((h) => h.payment.risk?.review as string);
    const approved = await s.kassa.reviews.approve(first as string);
    expect(approved).toMatchObject({ open: false, closed_reason: 'approved' });
    expect((await s.kassa.paymentIntents.retrieve(held[0]?.payment.id as string)).status).toBe(
      'succeeded',
    );
    const rejected = await s.kassa.reviews.reject(second as string);
    expect(rejected).toMatchObject({ open: false, closed_reason: 'canceled' });
    const canceled = await s.kassa.paymentIntents.retrieve(held[1]?.payment.id as string);
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'fraudulent' });
    // A closed review stays closed.
    const again = await s.call('reviews.approve', { id: first });
    expect(again.error?.code).toBe('review_closed');
    // Events: opened twice, closed twice, in the review streams.
    const events = await query<{ type: string }>(
      db.current.pool,
      `SELECT type FROM ledger_events WHERE merchant_id = $1 AND type LIKE 'review.%' ORDER BY type`,
      [s.merchant.merchantId],
    );
    expect(events.map((e) => e.type)).toEqual([
      'review.closed',
      'review.closed',
      'review.opened',
      'review.opened',
    ]);
  });

  it('asks for 3-D Secure when a rule requests it, whatever the card', async () => {
    const s = await shop();
    await s.kassa.riskRules.create({ source: 'request_3ds if :amount_in_usd: > 2000' });
    const { payment } = await pay(s, 250_000);
    expect(payment.status).toBe('requires_action');
    expect(payment.next_action?.type).toBe('redirect_to_url');
    expect(payment.risk).toMatchObject({ outcome: 'request_3ds' });
    const small = await pay(s, 1_000);
    expect(small.payment.status).toBe('succeeded');
  });

  it('decides by the merchant’s fallback while the fraud service is down, mid-run', async () => {
    const s = await shop();
    // Payments flow; the service is killed in the middle of them.
    const running = Array.from({ length: 12 }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 40)).then(() => pay(s, 1_000 + i)),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await fraud.kill();
    const results = await Promise.all(running);
    // Every payment was decided, none failed for want of a score; the later ones by the fallback
    // (allow and flag for review: they went through, and a review is open for each).
    for (const { payment } of results) {
      expect(payment.risk, payment.id).not.toBeNull();
      if (payment.risk?.decided_by === 'fallback') {
        expect(payment.status).toBe('succeeded');
        expect(payment.risk).toMatchObject({ outcome: 'allow', score: null });
        expect(payment.risk.fallback_reason).toMatch(/^(unavailable|breaker_open|timeout)$/);
        expect(payment.risk.review).toMatch(/^rev_/);
      } else {
        expect(payment.status).not.toBe('processing');
      }
    }
    const after = await pay(s, 3_000);
    expect(after.payment.risk).toMatchObject({ decided_by: 'fallback', outcome: 'allow' });
    // Rejecting a payment that went through refunds it.
    const review = await s.kassa.reviews.reject(after.payment.risk?.review as string);
    expect(review.closed_reason).toBe('refunded_as_fraud');
    const refunded = await s.kassa.refunds.list({ payment_intent: after.payment.id });
    expect(refunded.data).toMatchObject([{ amount: 3_000, reason: 'fraudulent' }]);

    // The other fallback: block.
    expect(await s.kassa.riskSettings.update('block')).toMatchObject({ fallback: 'block' });
    const blocked = await pay(s, 4_000);
    expect(blocked.payment.status).toBe('requires_payment_method');
    expect(blocked.payment.last_payment_error?.decline_code).toBe('fraudulent');
    expect(blocked.payment.risk).toMatchObject({ decided_by: 'fallback', outcome: 'block' });

    // Back up: decisions come from the rules again (once the breaker's trial call succeeds).
    await fraud.restart();
    await eventually(
      async () => (await pay(s, 5_000)).payment.risk?.decided_by === 'rules',
      20_000,
    );
  });
});
