import { describe, expect, it } from 'vitest';
import { client, dashboardCaller, dashboardUser, testCard, usePaymentsApi } from './support.ts';

// The home page's figures through the API, from the ledger and the authorization attempts of
// real payments (the acquirer simulator approves and declines by card number). The ledger dates
// its entries by the database's clock, so this test uses the system clock throughout and asserts
// nothing that depends on which day it runs (a run across midnight UTC splits "today").

const { db, env, call, browser } = usePaymentsApi();

interface Totals {
  currency: string;
  gross: number;
  fees: number;
  refunded: number;
  net: number;
  count: number;
}
interface Summary {
  period: string;
  from: string;
  to: string;
  today: { totals: Totals[]; authorizations: { succeeded: number; failed: number } };
  totals: Totals[];
  authorizations: { succeeded: number; failed: number; rate_bps: number | null };
  decline_reasons: Array<{ reason: string; count: number }>;
  series: Array<{ day: string; currency: string; gross: number; net: number }>;
  attention: { failed_webhooks: number; expiring_authorizations: number; open_reviews: number };
  alerts: unknown[];
}

async function pay(amount: number, card: string, capture: 'automatic' | 'manual' = 'automatic') {
  const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
    amount,
    currency: 'eur',
    capture_method: capture,
  });
  const confirmed = await browser<{ status: string }>('checkout.paymentIntents.confirm', {
    client_secret: created.body.client_secret,
    payment_method_data: testCard(card),
  });
  return { id: created.body.id, status: confirmed.body?.status ?? confirmed.error?.code };
}

describe('the home summary', () => {
  it('adds up volume, fees, refunds and net from the ledger; counts authorizations and declines', async () => {
    const user = await dashboardUser(db.current, 'home@example.com', [
      [env.merchant.merchantId, 'analyst'],
    ]);
    const home = dashboardCaller(env.base, user.cookie, env.merchant.merchantId);
    const empty = await home<Summary>('home.summary', { period: '7d' }, { query: true });
    expect(empty.body).toMatchObject({
      totals: [],
      authorizations: { succeeded: 0, failed: 0, rate_bps: null },
      decline_reasons: [],
      series: [],
      attention: { failed_webhooks: 0, expiring_authorizations: 0, open_reviews: 0 },
      alerts: [],
    });

    const first = await pay(4_200, '4242424242424242');
    expect(first.status).toBe('succeeded');
    await pay(1_500, '4242424242424242');
    await pay(1_000, '4242424242424242');
    expect((await pay(900, '4000000000009995')).status).toBe('card_declined');
    expect((await pay(800, '4000000000009995')).status).toBe('card_declined');
    expect((await pay(700, '4000000000000002')).status).toBe('card_declined');
    // Authorized, not captured: its authorization runs out in 7 days (not within 24 hours).
    expect((await pay(2_000, '4242424242424242', 'manual')).status).toBe('requires_capture');
    await call('refunds.create', { payment_intent: first.id, amount: 500 });

    const summary = await home<Summary>('home.summary', { period: '30d' }, { query: true });
    expect(summary.status).toBe(200);
    // 2.9% + €0.25 of each capture, rounded half up: 1.47, 0.69, 0.54.
    expect(summary.body.totals).toEqual([
      { currency: 'eur', gross: 6_700, fees: 270, refunded: 500, net: 5_930, count: 3 },
    ]);
    expect(summary.body.authorizations).toEqual({ succeeded: 4, failed: 3, rate_bps: 5_714 });
    expect(summary.body.decline_reasons).toEqual([
      { reason: 'insufficient_funds', count: 2 },
      { reason: 'generic_decline', count: 1 },
    ]);
    // The series adds up to the totals; today's figures are the series' last day (or days, when
    // this ran across midnight: then today holds part of them).
    const sum = (key: 'gross' | 'net') => summary.body.series.reduce((s, d) => s + d[key], 0);
    expect([sum('gross'), sum('net')]).toEqual([6_700, 5_930]);
    const todays = summary.body.series.filter((d) => d.day === summary.body.to);
    expect(summary.body.today.totals.map((t) => t.gross)).toEqual(todays.map((d) => d.gross));
    expect(summary.body.from <= summary.body.to).toBe(true);
    expect(summary.body.attention).toEqual({
      failed_webhooks: 0,
      expiring_authorizations: 0,
      open_reviews: 0,
    });
    expect(summary.body.alerts).toEqual([]);

    // The authorization about to run out needs attention.
    await db.current.pool.query(
      `UPDATE payment_intents SET capture_before = now() + interval '2 hours'
        WHERE merchant_id = $1 AND status = 'requires_capture'`,
      [env.merchant.merchantId],
    );
    const later = await home<Summary>('home.summary', {}, { query: true });
    expect(later.body.period).toBe('30d');
    expect(later.body.attention.expiring_authorizations).toBe(1);

    // Live mode has its own figures: none here.
    const live = await client(env.base)<Summary>(
      'dashboard.home.summary',
      {},
      {
        query: true,
        headers: {
          cookie: user.cookie,
          'kassa-merchant': env.merchant.merchantId,
          'kassa-mode': 'live',
        },
      },
    );
    expect(live.body.totals).toEqual([]);
    expect(live.body.authorizations.rate_bps).toBeNull();
    expect((await home('home.summary', { period: '1y' }, { query: true })).error).toMatchObject({
      code: 'parameter_invalid',
      param: 'period',
    });
  });
});
