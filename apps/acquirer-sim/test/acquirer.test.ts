import { useTestDatabase } from '@kassa/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAcquirerServer, ensureSchema, SETTLEMENT_COLUMNS } from '../src/index.ts';

const db = useTestDatabase();
const API_KEY = 'acquirer-key-for-the-simulator-tests-0123456789';
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  await ensureSchema(db.current.pool);
  await ensureSchema(db.current.pool); // twice: starting again changes nothing
  app = await buildAcquirerServer({
    pool: db.current.pool,
    apiKey: API_KEY,
    publicUrl: 'http://sim.test',
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
});

let keyCounter = 0;
const freshKey = () => `test-key-${Date.now()}-${keyCounter++}`;

async function post<T = Record<string, unknown>>(
  path: string,
  body: unknown,
  options: { key?: string; apiKey?: string; signal?: AbortSignal } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.apiKey ?? API_KEY}`,
      'content-type': 'application/json',
      'idempotency-key': options.key ?? freshKey(),
    },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    body: (await response.json()) as T & { error?: { code: string } },
  };
}

const authorization = (number: string, extra: Record<string, unknown> = {}) => ({
  amount: 1000,
  currency: 'EUR',
  capture: true,
  merchant: 'mch_test',
  reference: `pi_${Math.random().toString(36).slice(2)}`,
  card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, cvc: '123' },
  ...extra,
});

const countAuthorizations = async () =>
  Number(
    (await db.current.pool.query('SELECT count(*)::int AS n FROM acquirer_sim.authorizations'))
      .rows[0].n,
  );

const control = (settings: Record<string, unknown>) => post('/_control', settings);

describe('authorizations', () => {
  it('approves and captures 4242…, and a retry with the same key replays without charging again', async () => {
    const body = authorization('4242424242424242');
    const first = await post('/v1/authorizations', body, { key: 'k-approve' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^auth_/),
      status: 'captured',
      amount: 1000,
      captured_amount: 1000,
      decline_code: null,
      card: { brand: 'visa', last4: '4242' },
    });
    const before = await countAuthorizations();
    const retry = await post('/v1/authorizations', body, { key: 'k-approve' });
    expect(retry).toMatchObject({ status: 200, replayed: true, body: first.body });
    expect(await countAuthorizations()).toBe(before);

    // A retry without the CVC (the caller could not keep it) is the same request.
    const { cvc: _, ...withoutCvc } = body.card;
    const noCvc = await post(
      '/v1/authorizations',
      { ...body, card: withoutCvc },
      { key: 'k-approve' },
    );
    expect(noCvc).toMatchObject({ status: 200, replayed: true, body: first.body });

    const reused = await post('/v1/authorizations', { ...body, amount: 999 }, { key: 'k-approve' });
    expect(reused).toMatchObject({
      status: 422,
      body: { error: { code: 'idempotency_key_reused' } },
    });
  });

  it('declines each decline test card with its code', async () => {
    const cards: Array<[string, string]> = [
      ['4000000000000002', 'generic_decline'],
      ['4000000000009995', 'insufficient_funds'],
      ['4000000000009987', 'lost_card'],
      ['4000000000009979', 'stolen_card'],
      ['4000000000000069', 'expired_card'],
      ['4000000000000127', 'incorrect_cvc'],
      ['4000000000000119', 'processing_error'],
    ];
    for (const [number, code] of cards) {
      const result = await post('/v1/authorizations', authorization(number));
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        status: 'declined',
        decline_code: code,
        captured_amount: 0,
      });
    }
    const pastExpiry = await post(
      '/v1/authorizations',
      authorization('4242424242424242', {
        card: { number: '4242424242424242', exp_month: 1, exp_year: 2020 },
      }),
    );
    expect(pastExpiry.body).toMatchObject({ status: 'declined', decline_code: 'expired_card' });
  });

  it('authorizes, captures part, refunds in parts, and refuses what would exceed', async () => {
    const auth = await post<{ id: string }>(
      '/v1/authorizations',
      authorization('5555555555554444', { capture: false, amount: 5000 }),
    );
    expect(auth.body).toMatchObject({ status: 'approved', captured_amount: 0 });
    const id = auth.body.id;
    const tooMuch = await post(`/v1/authorizations/${id}/capture`, { amount: 5001 });
    expect(tooMuch).toMatchObject({ status: 409, body: { error: { code: 'amount_too_large' } } });
    const captured = await post(`/v1/authorizations/${id}/capture`, { amount: 3000 });
    expect(captured.body).toMatchObject({ status: 'captured', captured_amount: 3000 });
    expect((await post(`/v1/authorizations/${id}/capture`, {})).status).toBe(409);
    expect((await post(`/v1/authorizations/${id}/void`, {})).status).toBe(409);

    expect((await post(`/v1/authorizations/${id}/refunds`, { amount: 2000 })).body).toMatchObject({
      object: 'refund',
      status: 'succeeded',
      amount: 2000,
    });
    const over = await post(`/v1/authorizations/${id}/refunds`, { amount: 1001 });
    expect(over).toMatchObject({ status: 409, body: { error: { code: 'amount_too_large' } } });
    expect((await post(`/v1/authorizations/${id}/refunds`, { amount: 1000 })).status).toBe(200);

    const voidable = await post<{ id: string }>(
      '/v1/authorizations',
      authorization('4242424242424242', { capture: false }),
    );
    const voided = await post(`/v1/authorizations/${voidable.body.id}/void`, {});
    expect(voided.body).toMatchObject({ status: 'voided' });

    const fetched = await fetch(`${base}/v1/authorizations/${id}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(await fetched.json()).toMatchObject({ captured_amount: 3000, refunded_amount: 3000 });
  });

  it('runs a 3-D Secure challenge: approve continues the authorization, fail declines it', async () => {
    const started = await post<{ id: string; next_action: { redirect_url: string } }>(
      '/v1/authorizations',
      authorization('4000002500003155', { return_url: 'https://shop.test/back?order=7' }),
    );
    expect(started.body).toMatchObject({
      status: 'requires_action',
      next_action: {
        type: 'three_d_secure',
        redirect_url: `http://sim.test/3ds/${started.body.id}`,
      },
    });
    const page = await fetch(`${base}/3ds/${started.body.id}`);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('Approve');
    expect(html).toContain('ending in <strong>3155</strong>');
    expect(html).not.toContain('4000002500003155');

    const approved = await fetch(`${base}/3ds/${started.body.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'result=approve',
      redirect: 'manual',
    });
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(
      `https://shop.test/back?order=7&authorization=${started.body.id}`,
    );
    const after = await fetch(`${base}/v1/authorizations/${started.body.id}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(await after.json()).toMatchObject({ status: 'captured', captured_amount: 1000 });

    const second = await post<{ id: string }>(
      '/v1/authorizations',
      authorization('4000002500003155'),
    );
    await fetch(`${base}/3ds/${second.body.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'result=fail',
    });
    const failed = await fetch(`${base}/v1/authorizations/${second.body.id}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(await failed.json()).toMatchObject({
      status: 'declined',
      decline_code: 'authentication_failed',
    });
  });

  it('one card never answers and one answers 503; neither records anything', async () => {
    const before = await countAuthorizations();
    await expect(
      post('/v1/authorizations', authorization('4000000000000010'), {
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    const unavailable = await post('/v1/authorizations', authorization('4000000000000036'));
    expect(unavailable.status).toBe(503);
    expect(await countAuthorizations()).toBe(before);
  });

  it('refuses callers without the API key, and requests without an Idempotency-Key', async () => {
    const anonymous = await post('/v1/authorizations', authorization('4242424242424242'), {
      apiKey: 'wrong',
    });
    expect(anonymous.status).toBe(401);
    const response = await fetch(`${base}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(authorization('4242424242424242')),
    });
    expect(response.status).toBe(400);
    const bad = await post('/v1/authorizations', {
      ...authorization('4242424242424242'),
      amount: -1,
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});

describe('idempotency under faults', () => {
  it('20 concurrent requests with one key authorize once', async () => {
    const before = await countAuthorizations();
    const body = authorization('4242424242424242');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post('/v1/authorizations', body, { key: 'k-concurrent' })),
    );
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await countAuthorizations()).toBe(before + 1);
  });

  it('a lost response was still processed: the retry with the same key gets it, charging once', async () => {
    const before = await countAuthorizations();
    const body = authorization('4242424242424242');
    await control({ lost_response_rate: 1 });
    await expect(post('/v1/authorizations', body, { key: 'k-lost' })).rejects.toThrow();
    await control({ lost_response_rate: 0 });
    const retry = await post('/v1/authorizations', body, { key: 'k-lost' });
    expect(retry).toMatchObject({ status: 200, replayed: true, body: { status: 'captured' } });
    expect(await countAuthorizations()).toBe(before + 1);
  });

  it('a random fault answers 503 before anything happens', async () => {
    const before = await countAuthorizations();
    await control({ fault_rate: 1 });
    const faulted = await post('/v1/authorizations', authorization('4242424242424242'));
    await control({ fault_rate: 0, latency_ms: [30, 40] });
    expect(faulted.status).toBe(503);
    expect(await countAuthorizations()).toBe(before);
    const started = Date.now();
    expect((await post('/v1/authorizations', authorization('4242424242424242'))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    await control({ latency_ms: [0, 0] });
  });
});

describe('settlement report', () => {
  it("lists the day's captures and refunds with fees and nets that add up", async () => {
    // Every operation so far, moved (in order) onto one fixed day: the report must not depend on
    // the day, or the minute before midnight, that the test runs.
    await db.current.pool.query(
      `UPDATE acquirer_sim.operations SET created_at = timestamptz '2030-06-15 08:00:00+00'
         + (created_at - (SELECT min(created_at) FROM acquirer_sim.operations))`,
    );
    const response = await fetch(`${base}/v1/settlements/2030-06-15`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(response.headers.get('content-type')).toContain('text/csv');
    const [header, ...lines] = (await response.text()).trim().split('\r\n');
    expect(header).toBe(SETTLEMENT_COLUMNS.join(','));
    const rows = lines.map((l) =>
      Object.fromEntries(l.split(',').map((v, i) => [SETTLEMENT_COLUMNS[i], v])),
    );
    const captures = rows.filter((r) => r.type === 'capture');
    const refunds = rows.filter((r) => r.type === 'refund');
    expect(captures.length).toBeGreaterThan(3);
    expect(refunds).toHaveLength(2);
    for (const r of captures) {
      // 1% rounded half up.
      expect(Number(r.fee)).toBe(Math.floor((Number(r.amount) * 100 + 5000) / 10000));
      expect(Number(r.net)).toBe(Number(r.amount) - Number(r.fee));
    }
    for (const r of refunds) expect(Number(r.net)).toBe(-Number(r.amount));
    const { rows: counted } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM acquirer_sim.operations WHERE type IN ('capture', 'refund')`,
    );
    expect(rows).toHaveLength(counted[0].n);
    const yesterday = await fetch(`${base}/v1/settlements/2030-06-14`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect((await yesterday.text()).trim().split('\r\n')).toHaveLength(1);
  });

  it("lists the day's chargebacks with their fee, and a won dispute's reversal", async () => {
    // On a fixed day of the simulator's clock, decided as soon as evidence is submitted.
    const day = '2030-07-01';
    await control({ now: `${day}T10:00:00Z`, dispute_decision_delay_ms: 0 });
    try {
      const captured = async (number: string, amount: number) => {
        const answer = await post<{ reference: string }>(
          '/v1/authorizations',
          authorization(number, { amount }),
        );
        expect(answer.body).toMatchObject({ status: 'captured' });
        return answer.body.reference;
      };
      const [won, lost, inquiry] = [
        await captured('4000000000000259', 7_000),
        await captured('4000000000002685', 3_000),
        await captured('4000000000001976', 2_000),
      ];
      const disputes = await fetch(`${base}/v1/disputes?after_change=0`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      const { data } = (await disputes.json()) as {
        data: Array<{ id: string; reference: string }>;
      };
      const wonDispute = data.find((d) => d.reference === won);
      expect(
        (await post(`/v1/disputes/${wonDispute?.id}/evidence`, { evidence: {}, submit: true }))
          .status,
      ).toBe(200);

      const response = await fetch(`${base}/v1/settlements/${day}`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      const [, ...lines] = (await response.text()).trim().split('\r\n');
      const rows = lines.map((l) =>
        Object.fromEntries(l.split(',').map((v, i) => [SETTLEMENT_COLUMNS[i], v])),
      );
      const of = (type: string) =>
        rows
          .filter((r) => r.type === type)
          .map((r) => ({ reference: r.reference, amount: r.amount, fee: r.fee, net: r.net }))
          .sort((a, b) => Number(b.amount) - Number(a.amount));
      // The chargeback fee is 10 major units (EUR 10.00), not returned when a dispute is won.
      expect(of('chargeback')).toEqual([
        { reference: won, amount: '7000', fee: '1000', net: '-8000' },
        { reference: lost, amount: '3000', fee: '1000', net: '-4000' },
      ]);
      expect(of('chargeback_reversal')).toEqual([
        { reference: won, amount: '7000', fee: '0', net: '7000' },
      ]);
      // An inquiry moves no money; its capture is there as any other.
      expect(rows.filter((r) => r.reference === inquiry).map((r) => r.type)).toEqual(['capture']);
    } finally {
      await control({ now: null, dispute_decision_delay_ms: 10_000 });
    }
  });

  it('keeps no card number in its records', async () => {
    const { rows } = await db.current.pool.query(
      `SELECT (SELECT string_agg(a::text, ' ') FROM acquirer_sim.authorizations a) ||
              (SELECT string_agg(i::text, ' ') FROM acquirer_sim.idempotency i) AS text`,
    );
    expect(rows[0].text).toContain('424242');
    expect(rows[0].text).not.toMatch(/4242424242424242|5555555555554444|4000002500003155/);
  });
});
