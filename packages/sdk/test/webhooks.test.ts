// Webhook verification with Web Crypto, against signatures computed from the documented scheme
// with Node's own HMAC, independently of the SDK. Deliveries signed by the platform's webhooks
// worker are verified in platform-webhooks.test.ts.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kassa, KassaSignatureVerificationError } from '../src/index.ts';

const kassa = new Kassa('sk_test_webhooks000000000000000000000');
const secret = 'whsec_test_0123456789abcdef';
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded' });
const sign = (t: number, payload = body, key = secret) =>
  createHmac('sha256', key).update(`${t}.${payload}`).digest('hex');
const now = () => Math.floor(Date.now() / 1000);

describe('webhooks.constructEvent', () => {
  it('returns the event of a delivery signed with the secret', async () => {
    const t = now();
    const event = await kassa.webhooks.constructEvent(body, `t=${t},v1=${sign(t)}`, secret);
    expect(event).toMatchObject({ id: 'evt_1', type: 'payment_intent.succeeded' });
    // Bytes work as well as text.
    const bytes = new TextEncoder().encode(body);
    expect((await kassa.webhooks.constructEvent(bytes, `t=${t},v1=${sign(t)}`, secret)).id).toBe(
      'evt_1',
    );
  });

  it('accepts any one of several v1 signatures (a secret being rolled)', async () => {
    const t = now();
    const header = `t=${t},v1=${sign(t, body, 'whsec_old_secret')},v1=${sign(t)}`;
    expect((await kassa.webhooks.constructEvent(body, header, secret)).id).toBe('evt_1');
  });

  it('refuses a wrong secret, a changed body, a stale timestamp, a malformed header', async () => {
    const t = now();
    const cases: Array<[string, string | undefined, RegExp]> = [
      [body, `t=${t},v1=${sign(t, body, 'whsec_other')}`, /No signature matches/],
      [`${body} `, `t=${t},v1=${sign(t)}`, /No signature matches/],
      [body, `t=${t - 301},v1=${sign(t - 301)}`, /timestamp/],
      [body, `v1=${sign(t)}`, /malformed/],
      [body, `t=${t},v0=${sign(t)}`, /malformed/],
      [body, undefined, /No Kassa-Signature/],
    ];
    for (const [payload, header, message] of cases) {
      const error = await kassa.webhooks.constructEvent(payload, header, secret).catch((e) => e);
      expect(error).toBeInstanceOf(KassaSignatureVerificationError);
      expect(error.message).toMatch(message);
    }
    // A tolerance of 0 turns the timestamp check off.
    const old = t - 10_000;
    const accepted = await kassa.webhooks.constructEvent(
      body,
      `t=${old},v1=${sign(old)}`,
      secret,
      0,
    );
    expect(accepted.id).toBe('evt_1');
  });

  it('generateTestHeaderString makes a header constructEvent accepts', async () => {
    const header = await kassa.webhooks.generateTestHeaderString({ payload: body, secret });
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect((await kassa.webhooks.constructEvent(body, header, secret)).id).toBe('evt_1');
  });
});
