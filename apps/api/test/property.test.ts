import { query } from '@kassa/db';
import { sealAll, verifyLedger } from '@kassa/ledger';
import { paymentIntentMachine } from '@kassa/payments';
import { startApiProcess, testCard } from '@kassa/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, newMerchant, startAcquirer, useApiDatabase } from './support.ts';

/**
 * The payments core against random use: random sequences of create, update, confirm (random test
 * cards, including declines, 3-D Secure, a card that never answers and one the acquirer refuses
 * with 503), the shopper's 3-D Secure answer, capture, cancel and refund, with random amounts
 * and injected acquirer faults (slow answers, 503s, lost answers), and retries with the same
 * Idempotency-Key, against the real API process (with its background sweeps) and the real
 * simulator process. After every step: no 500, no illegal transition, captured <= authorized,
 * refunded <= captured, the refunds add up, Kassa's money equals the simulator's own records for
 * every payment with nothing in flight, and the ledger verifies.
 *
 * Seeded: KASSA_PROPERTY_SEED=<n> reproduces a run (the seed is in the test's name and in the
 * failure). Bounded: at most RUNS sequences and TIME_LIMIT_MS in all.
 */
const SEED = Number(process.env.KASSA_PROPERTY_SEED ?? 20261202);
const RUNS = Number(process.env.KASSA_PROPERTY_RUNS ?? 30);
const TIME_LIMIT_MS = Number(process.env.KASSA_PROPERTY_TIME_LIMIT_MS ?? 120_000);

const db = useApiDatabase();
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let api: Awaited<ReturnType<typeof startApiProcess>>;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  api = await startApiProcess(db.current, {
    ACQUIRER_URL: acquirer.url,
    // Short, so that a card that never answers or a lost answer costs little time.
    ACQUIRER_TIMEOUT_MS: '400',
    ACQUIRER_RETRIES: '1',
  });
}, 90_000);

afterAll(async () => {
  await api?.stop();
  await acquirer?.stop();
});

const CARDS = {
  approve: '4242424242424242',
  decline: '4000000000009995',
  threeDSecure: '4000002500003155',
  neverAnswers: '4000000000000010',
  unavailable: '4000000000000036',
} as const;

type Fault = 'none' | 'slow' | 'fail' | 'lose';
type Op =
  | { op: 'create'; amount: number; manual: boolean }
  | { op: 'update'; pick: number; amount: number }
  | { op: 'confirm'; pick: number; card: keyof typeof CARDS }
  | { op: 'challenge'; pick: number; approve: boolean }
  | { op: 'capture'; pick: number; percent: number }
  | { op: 'cancel'; pick: number }
  | { op: 'refund'; pick: number; percent: number }
  | { op: 'retry' };
type Step = { action: Op; fault: Fault };

const pick = fc.nat(20);
const step: fc.Arbitrary<Step> = fc.record({
  action: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('create' as const),
        amount: fc.integer({ min: 1, max: 100_000 }),
        manual: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('update' as const),
        pick,
        amount: fc.integer({ min: 1, max: 100_000 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('confirm' as const),
        pick,
        card: fc.constantFrom(
          ...([
            'approve',
            'approve',
            'approve',
            'approve',
            'decline',
            'threeDSecure',
            'neverAnswers',
            'unavailable',
          ] as const),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('challenge' as const), pick, approve: fc.boolean() }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('capture' as const),
        pick,
        percent: fc.integer({ min: 1, max: 120 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('refund' as const),
        pick,
        percent: fc.integer({ min: 1, max: 120 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'retry' as const }) },
  ),
  // Slow stays under the API's timeout; a lost answer is a timeout the acquirer acted on.
  fault: fc.constantFrom<Fault>('none', 'none', 'none', 'none', 'slow', 'fail', 'lose'),
});

interface PaymentRow {
  id: string;
  status: string;
  amount: bigint;
  amount_capturable: bigint;
  amount_received: bigint;
  amount_refunded: bigint;
  client_secret?: string;
}

/** Statuses reachable from each status through the table (a request may make one move, a sweep another). */
const reachable = new Map<string, Set<string>>(
  paymentIntentMachine.states.map((from) => [from, paymentIntentMachine.reachableFrom(from)]),
);

const ALLOWED = new Set([200, 400, 402, 404, 409, 429, 502, 503]);

it(
  `random payments with acquirer faults keep every invariant (seed ${SEED})`,
  async () => {
    let runs = 0;
    const tally = new Map<string, number>();
    const count = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), async (steps) => {
        runs += 1;
        const merchant = await newMerchant(db.current);
        const call = client(api.base, merchant.secretKey);
        const browser = client(api.base, merchant.publishableKey);
        const payments: Array<{ id: string; secret: string; status: string }> = [];
        let last: (() => Promise<{ status: number; error?: unknown }>) | undefined;
        let keys = 0;

        for (const { action, fault } of steps) {
          const target =
            payments.length > 0
              ? payments[('pick' in action ? action.pick : 0) % payments.length]
              : undefined;
          const row = target && (await paymentRow(target.id));
          const key = `prop-${runs}-${++keys}`;
          let send:
            | (() => Promise<{ status: number; error?: unknown; body?: unknown }>)
            | undefined;
          switch (action.op) {
            case 'create':
              send = async () => {
                const created = await call<{ id: string; client_secret: string; status: string }>(
                  'paymentIntents.create',
                  {
                    amount: action.amount,
                    currency: 'eur',
                    capture_method: action.manual ? 'manual' : 'automatic',
                  },
                  { idempotencyKey: key },
                );
                if (created.status === 200 && !payments.some((p) => p.id === created.body.id)) {
                  payments.push({
                    id: created.body.id,
                    secret: created.body.client_secret,
                    status: created.body.status,
                  });
                }
                return created;
              };
              break;
            case 'update':
              if (target)
                send = () =>
                  call(
                    'paymentIntents.update',
                    { id: target.id, amount: action.amount },
                    { idempotencyKey: key },
                  );
              break;
            case 'confirm':
              if (target)
                send = () =>
                  browser(
                    'checkout.paymentIntents.confirm',
                    {
                      client_secret: target.secret,
                      payment_method_data: testCard(CARDS[action.card]),
                    },
                    { idempotencyKey: key },
                  );
              break;
            case 'challenge':
              if (target && row?.status === 'requires_action')
                send = () => answerChallenge(call, target.id, action.approve);
              break;
            case 'capture':
              if (target && row)
                send = () =>
                  call(
                    'paymentIntents.capture',
                    {
                      id: target.id,
                      amount_to_capture: Math.max(
                        1,
                        Math.ceil(
                          (Number(row.amount_capturable || row.amount) * action.percent) / 100,
                        ),
                      ),
                    },
                    { idempotencyKey: key },
                  );
              break;
            case 'cancel':
              if (target)
                send = () =>
                  call('paymentIntents.cancel', { id: target.id }, { idempotencyKey: key });
              break;
            case 'refund':
              if (target && row)
                send = () =>
                  call(
                    'refunds.create',
                    {
                      payment_intent: target.id,
                      amount: Math.max(
                        1,
                        Math.ceil(
                          (Number(row.amount_received - row.amount_refunded || row.amount) *
                            action.percent) /
                            100,
                        ),
                      ),
                    },
                    { idempotencyKey: key },
                  );
              break;
            case 'retry':
              send = last; // the previous request again, with its Idempotency-Key
              break;
          }
          if (!send) {
            count('skipped');
            continue;
          }
          await acquirer.control(faultSettings(fault));
          let answer: { status: number; error?: unknown };
          try {
            answer = await send();
          } finally {
            await acquirer.control(faultSettings('none'));
          }
          expect(
            ALLOWED.has(answer.status),
            `${action.op} answered ${answer.status}: ${JSON.stringify(answer.error)}`,
          ).toBe(true);
          count(`${action.op} ${answer.status}${fault === 'none' ? '' : ` (${fault})`}`);
          if (action.op !== 'retry') last = send;
          await checkInvariants(merchant.merchantId, payments);
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: true },
    );
    console.info(
      `property test, seed ${SEED}: ${runs} sequences; ${[...tally]
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    );
    const final = await query<{ status: string; n: bigint }>(
      db.current.pool,
      'SELECT status, count(*)::bigint AS n FROM payment_intents GROUP BY status ORDER BY status',
    );
    console.info(`payments by status: ${final.map((r) => `${r.status} ${r.n}`).join(', ')}`);
    expect(runs).toBeGreaterThan(0);
  },
  TIME_LIMIT_MS + 120_000,
);

function faultSettings(fault: Fault) {
  return {
    latency_ms: (fault === 'slow' ? [100, 300] : [0, 0]) as [number, number],
    fault_rate: fault === 'fail' ? 1 : 0,
    lost_response_rate: fault === 'lose' ? 1 : 0,
  };
}

async function paymentRow(id: string): Promise<PaymentRow> {
  const [row] = await query<PaymentRow>(
    db.current.pool,
    `SELECT id, status, amount, amount_capturable, amount_received, amount_refunded
       FROM payment_intents WHERE id = $1`,
    [id],
  );
  if (!row) throw new Error(`no payment ${id}`);
  return row;
}

/** The shopper at the issuer's 3-D Secure page, then back through the API's return route. */
async function answerChallenge(call: ReturnType<typeof client>, id: string, approve: boolean) {
  const payment = await call<{ next_action: { redirect_to_url: { url: string } } | null }>(
    'paymentIntents.retrieve',
    { id },
    { query: true },
  );
  const url = payment.body.next_action?.redirect_to_url.url;
  if (!url) return { status: 200 };
  const answered = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `result=${approve ? 'approve' : 'fail'}`,
    redirect: 'manual',
  });
  const back = answered.headers.get('location');
  if (!back) return { status: answered.status };
  const returned = await fetch(back, { redirect: 'manual' });
  await returned.arrayBuffer();
  // The return route answers with a redirect (303) or its own page; 404 and 429 are its refusals.
  return { status: returned.status === 303 ? 200 : returned.status };
}

async function checkInvariants(
  merchantId: string,
  payments: Array<{ id: string; status: string }>,
): Promise<void> {
  for (const payment of payments) {
    const row = await paymentRow(payment.id);
    // No illegal transition: the new status is one the table can reach from the last one seen.
    expect(
      reachable.get(payment.status)?.has(row.status),
      `${payment.id}: ${payment.status} -> ${row.status}`,
    ).toBe(true);
    payment.status = row.status;
    expect(row.amount_received <= row.amount, `${row.id} received more than its amount`).toBe(true);
    expect(row.amount_capturable <= row.amount).toBe(true);
    expect(
      row.amount_refunded <= row.amount_received,
      `${row.id} refunded more than received`,
    ).toBe(true);

    const refunds = await query<{ status: string; amount: bigint }>(
      db.current.pool,
      'SELECT status, amount FROM refunds WHERE payment_intent_id = $1',
      [row.id],
    );
    const reserved = refunds
      .filter((r) => r.status === 'pending' || r.status === 'succeeded')
      .reduce((sum, r) => sum + r.amount, 0n);
    expect(reserved, `${row.id}: refunds reserve what the payment says`).toBe(row.amount_refunded);

    // With nothing in flight, Kassa's money is the acquirer's.
    const [inFlight] = await query<{ n: bigint }>(
      db.current.pool,
      `SELECT count(*)::bigint AS n FROM payment_attempts
        WHERE payment_intent_id = $1 AND status IN ('pending', 'requires_action')`,
      [row.id],
    );
    if (inFlight?.n !== 0n || refunds.some((r) => r.status === 'pending')) continue;
    const atAcquirer = await query<{
      status: string;
      amount: bigint;
      captured_amount: bigint;
      refunded_amount: bigint;
    }>(
      db.current.pool,
      `SELECT status, amount, captured_amount, refunded_amount FROM acquirer_sim.authorizations
        WHERE reference = $1`,
      [row.id],
    );
    const captured = atAcquirer.reduce((sum, a) => sum + a.captured_amount, 0n);
    const refunded = atAcquirer.reduce((sum, a) => sum + a.refunded_amount, 0n);
    const succeeded = refunds
      .filter((r) => r.status === 'succeeded')
      .reduce((sum, r) => sum + r.amount, 0n);
    expect(captured, `${row.id}: captured at the acquirer vs received`).toBe(row.amount_received);
    expect(refunded, `${row.id}: refunded at the acquirer vs Kassa`).toBe(succeeded);
    const live = atAcquirer.filter(
      (a) => a.status === 'approved' || a.status === 'requires_action',
    );
    if (row.status === 'requires_capture') {
      expect(
        live.map((a) => a.amount),
        `${row.id}: one authorization held`,
      ).toEqual([row.amount_capturable]);
    } else {
      expect(live, `${row.id} (${row.status}): no authorization left open at the acquirer`).toEqual(
        [],
      );
    }
  }
  await sealAll(db.current.pool);
  const report = await verifyLedger(db.current.pool);
  expect(report.problems, `merchant ${merchantId}: ledger verify`).toEqual([]);
}
