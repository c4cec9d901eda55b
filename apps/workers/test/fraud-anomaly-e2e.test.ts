import { query } from '@kassa/db';
import { Kassa } from '@kassa/sdk';
import {
  client,
  newCardNumber,
  newMerchant,
  startAcquirer,
  startApiProcess,
  startFraudService,
  testCard,
  useApiDatabase,
} from '@kassa/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './receiver.ts';

// Anomaly detection end to end, with real processes on clocks the test moves: the acquirer
// simulator, the fraud service and the API. A merchant takes five payments every five minutes for
// an hour, one in five declined; then, in one interval, eight of ten are declined. The fraud
// service raises exactly one `radar.decline_spike` for the episode, however long it lasts, closes
// the episode once the declines are back to normal, and raises a new one for the next spike once
// the first has left the rolling baseline.

const START = new Date('2026-03-02T10:00:30Z');
const db = useApiDatabase();
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let fraud: Awaited<ReturnType<typeof startFraudService>>;
let api: Awaited<ReturnType<typeof startApiProcess>>;

beforeAll(async () => {
  const clock = { KASSA_TEST_CLOCK: START.toISOString(), NODE_ENV: 'test' };
  acquirer = await startAcquirer(db.current);
  await acquirer.control({ now: START.toISOString() });
  fraud = await startFraudService(db.current, clock);
  api = await startApiProcess(db.current, {
    ...clock,
    ACQUIRER_URL: acquirer.url,
    ...fraud.apiEnv,
    // Declines on purpose, many from one card and address: not card testing here.
    CARD_TESTING_PER_CARD: '1000',
    CARD_TESTING_PER_CLIENT: '1000',
    CARD_TESTING_PER_CHECKOUT: '1000',
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await fraud?.stop();
  await acquirer?.stop();
});

const INTERVAL = 5 * 60_000;
/** Every clock of the platform at `at`; the fraud service judges the interval when its moves. */
async function clocksAt(at: Date) {
  await api.setClock(at);
  await acquirer.control({ now: at.toISOString() });
  await fraud.setClock(at);
}

describe('anomaly detection end to end', () => {
  it('raises one radar.decline_spike per episode, not one per payment', {
    timeout: 300_000,
  }, async () => {
    const merchant = await newMerchant(db.current);
    const kassa = new Kassa(merchant.secretKey, { baseUrl: api.base, maxNetworkRetries: 0 });
    const browser = client(api.base, merchant.publishableKey);
    const pay = async (declined: boolean, now: Date) => {
      const created = await kassa.paymentIntents.create({ amount: 2_500, currency: 'usd' });
      const confirmed = await browser<{ status: string }>('checkout.paymentIntents.confirm', {
        client_secret: created.client_secret,
        payment_method_data: testCard(declined ? '4000000000000002' : newCardNumber(), now),
      });
      expect(confirmed.status, JSON.stringify(confirmed.error)).toBe(declined ? 402 : 200);
    };
    /** An interval's payments at `at`: `declines` of `total` declined. */
    const interval = async (at: Date, total: number, declines: number) => {
      await clocksAt(at);
      for (let i = 0; i < total; i++) await pay(i < declines, at);
      // Once the fraud service's consumer has counted them all, it judges the interval.
      await eventually(async () => {
        const [row] = await query<{ attempts: number }>(
          db.current.pool,
          'SELECT coalesce(sum(attempts), 0)::int AS attempts FROM risk_intervals WHERE merchant_id = $1',
          [merchant.merchantId],
        );
        return row?.attempts === counted + total;
      });
      counted += total;
      await clocksAt(new Date(at.getTime() + 60_000));
    };
    let counted = 0;
    const alerts = () =>
      query<{ type: string; data: { object: Record<string, unknown> } }>(
        db.current.pool,
        `SELECT type, data FROM ledger_events WHERE merchant_id = $1 AND type LIKE 'radar.%' ORDER BY seq`,
        [merchant.merchantId],
      );
    const at = (n: number) => new Date(START.getTime() + n * INTERVAL);

    // An hour of ordinary trade: 20% declined.
    for (let n = 0; n < 12; n++) await interval(at(n), 5, 1);
    expect(await alerts()).toEqual([]);

    // The spike: 8 of 10 declined. One alert, with what it measured.
    await interval(at(12), 10, 8);
    const [raised, ...more] = await alerts();
    expect(more, fraud.output()).toEqual([]);
    expect(raised?.type).toBe('radar.decline_spike');
    expect(raised?.data.object).toMatchObject({
      object: 'radar.alert',
      kind: 'decline_spike',
      attempts: 10,
      declines: 8,
      observed: '0.8000',
      baseline: { mean: '0.2000', deviation: '0.0000', threshold: '0.3500' },
      closed_at: null,
    });
    // It goes on, in this interval and the next: still the one alert.
    await interval(new Date(at(12).getTime() + 120_000), 1, 1);
    await interval(at(13), 10, 9);
    expect((await alerts()).map((a) => a.type)).toEqual(['radar.decline_spike']);

    // Back to normal for two intervals: the episode closes (no event).
    await interval(at(14), 5, 1);
    await interval(at(15), 5, 1);
    const episodes = await query<{ closed_at: Date | null }>(
      db.current.pool,
      'SELECT closed_at FROM risk_alerts WHERE merchant_id = $1',
      [merchant.merchantId],
    );
    expect(episodes).toEqual([{ closed_at: expect.any(Date) }]);
    expect(await alerts()).toHaveLength(1);

    // Calm until the spike has left the rolling baseline (an hour); then the next spike is a
    // new episode: a second alert. No volume spike at any point.
    for (let n = 16; n < 28; n++) await interval(at(n), 5, 1);
    expect(await alerts()).toHaveLength(1);
    await interval(at(28), 10, 9);
    const all = await alerts();
    expect(all.map((a) => a.type)).toEqual(['radar.decline_spike', 'radar.decline_spike']);
    // The merchant sees it in the API's event log.
    const listed = await kassa.events.list({ type: 'radar.*' });
    expect(listed.data.map((e) => e.type)).toEqual(['radar.decline_spike', 'radar.decline_spike']);
  });
});
