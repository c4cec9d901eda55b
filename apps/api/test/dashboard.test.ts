import { appRouter, type MembershipRole, may, type Permission, ROLES } from '@kassa/api';
import { ManualClock, newId } from '@kassa/contracts';
import { issueApiKey, query, withTransaction } from '@kassa/db';
import { sealAll } from '@kassa/ledger';
import { syncDisputes } from '@kassa/payments';
import {
  addBankAccount,
  addDays,
  closeDay,
  DEFAULT_CALENDAR,
  dayOf,
  endOf,
  updatePayoutSchedule,
} from '@kassa/settlement';
import type { FastifyInstance } from 'fastify';
import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  dashboardCaller,
  dashboardUser,
  holdForReview,
  newMerchant,
  sessionCookie,
  startAcquirer,
  startApi,
  TEST_SESSION_SECRET,
  testCard,
  testVault,
  useApiDatabase,
} from './support.ts';

// The dashboard chain: a next-auth session cookie (made here with next-auth's own `encode`, as
// the dashboard's sign-in makes it), the merchant in Kassa-Merchant, the role from memberships.

const db = useApiDatabase();
let app: FastifyInstance;
let base: string;
let acquirer: Awaited<ReturnType<typeof startAcquirer>>;
let shop: Awaited<ReturnType<typeof newMerchant>>;
let other: Awaited<ReturnType<typeof newMerchant>>;

const newUser = async (email: string, roles: Array<[string, MembershipRole]>) =>
  (await dashboardUser(db.current, email, roles)).id;

const cookieOf = (sub: string, secret = TEST_SESSION_SECRET, maxAge?: number) =>
  sessionCookie(db.current, sub, { secret, ...(maxAge !== undefined && { maxAge }) });

/** A next-auth cookie of any claims, as someone holding the cookie's key could make. */
const tokenCookie = async (token: Record<string, string>) =>
  `next-auth.session-token=${await encode({ token, secret: TEST_SESSION_SECRET })}`;

/** A dashboard client: the session cookie, and the merchant/mode headers when given. */
function dashboard(cookie: string | undefined, merchant?: string, mode?: string) {
  const call = client(base);
  const headers = {
    ...(cookie && { cookie }),
    ...(merchant && { 'kassa-merchant': merchant }),
    ...(mode && { 'kassa-mode': mode }),
  };
  return <T = Record<string, unknown>>(
    path: string,
    input: unknown,
    options: { query?: boolean; idempotencyKey?: string } = {},
  ) => call<T>(`dashboard.${path}`, input, { ...options, headers });
}

let paymentId: string;

beforeAll(async () => {
  acquirer = await startAcquirer(db.current);
  ({ app, base } = await startApi(db.current, { url: acquirer.url }));
  shop = await newMerchant(db.current);
  other = await newMerchant(db.current);
  const call = client(base, shop.secretKey);
  const created = await call<{ id: string }>('paymentIntents.create', {
    amount: 5_000,
    currency: 'eur',
    payment_method_data: undefined,
  });
  paymentId = created.body.id;
  const confirmed = await client(base, shop.publishableKey)<{ status: string }>(
    'checkout.paymentIntents.confirm',
    {
      client_secret: (
        await call<{ client_secret: string }>(
          'paymentIntents.retrieve',
          { id: paymentId },
          { query: true },
        )
      ).body.client_secret,
      payment_method_data: testCard(),
    },
  );
  expect(confirmed.body.status).toBe('succeeded');
  await client(base, other.secretKey)('paymentIntents.create', { amount: 700, currency: 'eur' });
});

afterAll(async () => {
  await app.close();
  await acquirer.stop();
});

describe('dashboard sessions', () => {
  it('refuses a request without a session, with a forged or expired one, or of an unknown user', async () => {
    const userId = await newUser('owner-auth@example.com', [[shop.merchantId, 'owner']]);
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'session_missing'],
      ['next-auth.session-token=not-a-token', 'session_invalid'],
      [await cookieOf(userId, 'another-secret-another-secret-another-secret'), 'session_invalid'],
      [await cookieOf(userId, TEST_SESSION_SECRET, -3_600), 'session_invalid'],
      [
        await tokenCookie({
          sub: 'usr_doesnotexist000000000000',
          sid: 'dss_doesnotexist00000000000',
        }),
        'session_invalid',
      ],
      // A token that names no session (the cookie's key alone is not enough).
      [await tokenCookie({ sub: userId }), 'session_invalid'],
      [await tokenCookie({ sub: userId, sid: 'dss_doesnotexist00000000000' }), 'session_invalid'],
    ];
    for (const [cookie, code] of cases) {
      const response = await dashboard(cookie, shop.merchantId)(
        'paymentIntents.list',
        {},
        { query: true },
      );
      expect(response.status).toBe(401);
      expect(response.error).toMatchObject({ type: 'authentication_error', code });
    }
    // An API key is not a session.
    const withKey = await client(base, shop.secretKey)(
      'dashboard.paymentIntents.list',
      {},
      {
        query: true,
        headers: { 'kassa-merchant': shop.merchantId },
      },
    );
    expect(withKey.status).toBe(401);
  });

  it('shows the user and their merchants; accepts a chunked cookie and the __Secure- name', async () => {
    const userId = await newUser('two-shops@example.com', [
      [shop.merchantId, 'analyst'],
      [other.merchantId, 'admin'],
    ]);
    const token = (await cookieOf(userId)).split('=')[1] as string;
    const session = await dashboard(`__Secure-next-auth.session-token=${token}`)(
      'session',
      {},
      { query: true },
    );
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      user: { id: userId, email: 'two-shops@example.com' },
      memberships: [
        { merchant: shop.merchantId, role: 'analyst' },
        { merchant: other.merchantId, role: 'admin' },
      ],
    });
    const half = Math.ceil(token.length / 2);
    const chunked = `next-auth.session-token.0=${token.slice(0, half)}; next-auth.session-token.1=${token.slice(half)}`;
    expect((await dashboard(chunked)('session', {}, { query: true })).status).toBe(200);
  });

  it("scopes every read to the merchant in Kassa-Merchant, and to the user's memberships", async () => {
    const userId = await newUser('analyst@example.com', [[shop.merchantId, 'analyst']]);
    const cookie = await cookieOf(userId);
    const list = await dashboard(cookie, shop.merchantId)<{ data: Array<{ id: string }> }>(
      'paymentIntents.list',
      {},
      { query: true },
    );
    expect(list.status).toBe(200);
    expect(list.body.data.map((p) => p.id)).toEqual([paymentId]);
    const retrieved = await dashboard(cookie, shop.merchantId)<{ amount_received: number }>(
      'paymentIntents.retrieve',
      { id: paymentId },
      { query: true },
    );
    expect(retrieved.body.amount_received).toBe(5_000);

    // Live mode is another book: nothing there.
    const live = await dashboard(cookie, shop.merchantId, 'live')<{ data: unknown[] }>(
      'paymentIntents.list',
      {},
      { query: true },
    );
    expect(live.body.data).toEqual([]);
    const badMode = await dashboard(cookie, shop.merchantId, 'staging')(
      'paymentIntents.list',
      {},
      { query: true },
    );
    expect(badMode.status).toBe(400);
    expect(badMode.error).toMatchObject({ param: 'Kassa-Mode' });

    // Another merchant: 403 whether it exists or not, never its data.
    for (const merchant of [other.merchantId, 'mch_000000000000000000000000']) {
      const foreign = await dashboard(cookie, merchant)('paymentIntents.list', {}, { query: true });
      expect(foreign.status).toBe(403);
      expect(foreign.error).toMatchObject({ type: 'permission_error', code: 'not_a_member' });
    }
    // No merchant header: 400 naming it.
    const none = await dashboard(cookie)('paymentIntents.list', {}, { query: true });
    expect(none.status).toBe(400);
    expect(none.error).toMatchObject({ code: 'merchant_required', param: 'Kassa-Merchant' });
    // Another merchant's payment through one's own membership: a plain 404.
    const foreignPayment = (
      await client(base, other.secretKey)<{ data: Array<{ id: string }> }>(
        'paymentIntents.list',
        {},
        { query: true },
      )
    ).body.data[0]?.id as string;
    const hidden = await dashboard(cookie, shop.merchantId)(
      'paymentIntents.retrieve',
      { id: foreignPayment },
      { query: true },
    );
    expect(hidden.status).toBe(404);
  });

  it('lets the roles with payments.refund refund, not analysts; the refund is idempotent and booked', async () => {
    const viewer = await cookieOf(
      await newUser('analyst-refund@example.com', [[shop.merchantId, 'analyst']]),
    );
    const denied = await dashboard(viewer, shop.merchantId)('refunds.create', {
      payment_intent: paymentId,
      amount: 1_000,
    });
    expect(denied.status).toBe(403);
    expect(denied.error).toMatchObject({ type: 'permission_error', code: 'role_insufficient' });

    const admin = await cookieOf(
      await newUser('admin-refund@example.com', [[shop.merchantId, 'admin']]),
    );
    const refund = () =>
      dashboard(admin, shop.merchantId)<{ id: string; status: string; amount: number }>(
        'refunds.create',
        { payment_intent: paymentId, amount: 1_000 },
        { idempotencyKey: 'dashboard-refund-1' },
      );
    const [first, second] = await Promise.all([refund(), refund()]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'succeeded', amount: 1_000 });
    expect(second.body.id).toBe(first.body.id);

    const refunds = await dashboard(viewer, shop.merchantId)<{ data: Array<{ id: string }> }>(
      'refunds.list',
      {},
      { query: true },
    );
    expect(refunds.body.data.map((r) => r.id)).toEqual([first.body.id]);
    // Events name the user who acted.
    const events = await dashboard(viewer, shop.merchantId)<{
      data: Array<{ type: string; id: string }>;
    }>('events.list', { type: 'charge.refunded' }, { query: true });
    expect(events.body.data).toHaveLength(1);
    const { rows } = await db.current.pool.query<{ metadata: { actor: string } }>(
      'SELECT metadata FROM ledger_events WHERE id = $1',
      [events.body.data[0]?.id],
    );
    expect(rows[0]?.metadata.actor).toMatch(/^user:usr_/);
    const balance = await dashboard(viewer, shop.merchantId)<{
      pending: Array<{ amount: number; currency: string }>;
    }>('balance.retrieve', {}, { query: true });
    expect(balance.status).toBe(200);
    // 2.9% of 50.00 (1.45) + €0.25, then the 10.00 refunded.
    expect(balance.body.pending).toEqual([{ amount: 5_000 - 145 - 25 - 1_000, currency: 'eur' }]);
  });

  // Many calls (each procedure, for each role, some with a payment of their own): a long test.
  it('enforces the roles matrix on every dashboard procedure, for every role', async () => {
    // One call of each procedure, as the dashboard makes it; refunds of 1 cent on the payment.
    const freshKey = async () => ({
      id: (
        await issueApiKey(db.current.prisma, {
          merchantId: shop.merchantId,
          kind: 'secret',
          mode: 'test',
        })
      ).apiKey.id,
    });
    const authorized = async () => {
      const call = client(base, shop.secretKey);
      const created = await call<{ id: string; client_secret: string }>('paymentIntents.create', {
        amount: 900,
        currency: 'eur',
        capture_method: 'manual',
      });
      const confirmed = await client(base, shop.publishableKey)<{ status: string }>(
        'checkout.paymentIntents.confirm',
        {
          client_secret: created.body.client_secret,
          payment_method_data: testCard(),
        },
      );
      expect(confirmed.body.status).toBe('requires_capture');
      return { id: created.body.id };
    };
    /** An authorized payment held for review. */
    const freshReview = async () => ({
      id: await holdForReview(db.current, {
        merchantId: shop.merchantId,
        paymentIntentId: (await authorized()).id,
      }),
    });
    /** A payment disputed at the simulator, brought in by the dispute sync. */
    const freshDispute = async () => {
      const created = await client(base, shop.secretKey)<{ id: string; client_secret: string }>(
        'paymentIntents.create',
        { amount: 700, currency: 'eur' },
      );
      await client(base, shop.publishableKey)('checkout.paymentIntents.confirm', {
        client_secret: created.body.client_secret,
        payment_method_data: testCard('4000000000002685'),
      });
      await syncDisputes(app.kassaServices, app.log);
      const [row] = await query<{ id: string }>(
        db.current.pool,
        'SELECT id FROM disputes WHERE payment_intent_id = $1',
        [created.body.id],
      );
      if (!row) throw new Error('the sync brought no dispute');
      return { id: row.id };
    };
    let members = 0;
    const freshMember = async () => {
      members += 1;
      const userId = await newUser(`matrix-member-${members}@example.com`, [
        [shop.merchantId, 'analyst'],
      ]);
      const membership = await db.current.prisma.membership.findFirstOrThrow({
        where: { userId, merchantId: shop.merchantId },
      });
      return { id: membership.id };
    };
    const freshInvitation = async () => {
      members += 1;
      const id = newId('invitation');
      await db.current.pool.query(
        `INSERT INTO invitations (id, merchant_id, email, role, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, 'analyst', $4, now(), now() + interval '1 day')`,
        [id, shop.merchantId, `matrix-invitee-${members}@example.com`, `hash-${id}`],
      );
      return { id };
    };
    const freshEndpoint = async () => ({
      id: (
        await client(base, shop.secretKey)<{ id: string }>('webhookEndpoints.create', {
          url: 'https://hooks.example.com/kassa',
          enabled_events: ['*'],
        })
      ).body.id,
    });
    const endpoint = await freshEndpoint();
    const events = await client(base, shop.secretKey)<{ data: Array<{ id: string }> }>(
      'events.list',
      {},
      { query: true },
    );
    const eventId = events.body.data[0]?.id as string;
    const freshDelivery = async (event = newId('event')) => {
      const id = newId('webhookDelivery');
      await db.current.pool.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, merchant_id, event_id, event_type, status, attempts, updated_at)
         VALUES ($1, $2, $3, $4, 'payment_intent.created', 'dead', 3, now())`,
        [id, endpoint.id, shop.merchantId, event],
      );
      return { id };
    };
    const delivery = await freshDelivery(eventId);
    // Settlement: the shop pays out by hand (test mode) into a bank account; each payout needs
    // funds of its own: a payment, made available by a close of a later day each time.
    const owner = { merchantId: shop.merchantId, livemode: false };
    let accounts = 0;
    const nextAccountNumber = (base: number) => {
      accounts += 1;
      return String(base + accounts);
    };
    const freshAccount = (isDefault: boolean) =>
      withTransaction(db.current.pool, (tx) =>
        addBankAccount(
          tx,
          owner,
          {
            currency: 'eur',
            country: 'DE',
            account_holder_name: 'Shop GmbH',
            account_number: nextAccountNumber(100_000_000),
            default_for_currency: isDefault,
          },
          { vault: testVault(), clock: { now: () => new Date() } },
        ),
      );
    await freshAccount(true);
    await withTransaction(db.current.pool, (tx) =>
      updatePayoutSchedule(tx, owner, { interval: 'manual' }),
    );
    let closes = 0;
    // Large enough to outweigh what the disputes below withdraw (their amount and fee).
    const freshFunds = async () => {
      const call = client(base, shop.secretKey);
      const payment = await call<{ client_secret: string }>('paymentIntents.create', {
        amount: 20_000,
        currency: 'eur',
      });
      await client(base, shop.publishableKey)('checkout.paymentIntents.confirm', {
        client_secret: payment.body.client_secret,
        payment_method_data: testCard(),
      });
      await sealAll(db.current.pool);
      closes += 1;
      const day = addDays(dayOf(new Date(), DEFAULT_CALENDAR), 2 + closes);
      const clock = new ManualClock(endOf(day, DEFAULT_CALENDAR));
      await closeDay(
        { pool: db.current.pool, clock, calendar: DEFAULT_CALENDAR, actor: 'test' },
        day,
        {
          merchantId: shop.merchantId,
        },
      );
      const [available] = await query<{ total: bigint }>(
        db.current.pool,
        `SELECT sum(net)::bigint AS total FROM balance_transactions
          WHERE merchant_id = $1 AND NOT livemode AND currency = 'EUR' AND status = 'available' AND payout_id IS NULL`,
        [shop.merchantId],
      );
      return { amount: Number(available?.total), currency: 'eur' };
    };
    const freshPayout = async () => {
      const payout = await client(base, shop.secretKey)<{ id: string }>(
        'payouts.create',
        await freshFunds(),
      );
      expect(payout.status).toBe(200);
      return { id: payout.body.id };
    };
    const payout = await freshPayout();
    const [txn] = await query<{ id: string }>(
      db.current.pool,
      `SELECT id FROM balance_transactions WHERE merchant_id = $1 LIMIT 1`,
      [shop.merchantId],
    );
    const freshException = async () => {
      const id = newId('reconciliationException');
      await db.current.pool.query(
        `INSERT INTO reconciliation_exceptions (id, run_id, source, day, merchant_id, livemode, kind,
           reference, currency, expected_amount, object_id, description, created_at)
         VALUES ($1, 'rcn_matrix', 'acquirer_report', '2026-01-02', $2, false, 'missing_line',
           $3, 'EUR', 900, $3, 'not in the file', now())`,
        [id, shop.merchantId, paymentId],
      );
      return { id };
    };
    const exception = await freshException();
    const calls: Array<[string, Permission, unknown, boolean]> = [
      ['paymentIntents.list', 'payments.read', {}, true],
      ['paymentIntents.detail', 'payments.read', { id: paymentId }, true],
      ['paymentIntents.capture', 'payments.manage', authorized, false],
      ['paymentIntents.cancel', 'payments.manage', authorized, false],
      ['apiKeys.list', 'developers.read', {}, true],
      ['apiKeys.create', 'keys.manage', { name: 'matrix' }, false],
      ['apiKeys.roll', 'keys.manage', freshKey, false],
      ['apiKeys.revoke', 'keys.manage', freshKey, false],
      ['paymentIntents.retrieve', 'payments.read', { id: paymentId }, true],
      ['refunds.list', 'payments.read', {}, true],
      ['refunds.create', 'payments.refund', { payment_intent: paymentId, amount: 1 }, false],
      ['balance.retrieve', 'balance.read', {}, true],
      ['balanceTransactions.list', 'balance.read', {}, true],
      ['balanceTransactions.retrieve', 'balance.read', { id: txn?.id }, true],
      ['payouts.list', 'balance.read', {}, true],
      ['payouts.retrieve', 'balance.read', payout, true],
      ['payouts.create', 'payouts.manage', freshFunds, false],
      ['payoutSchedule.retrieve', 'balance.read', {}, true],
      ['payoutSchedule.update', 'payouts.manage', { interval: 'manual', delay_days: 2 }, false],
      ['bankAccounts.list', 'balance.read', {}, true],
      ['reconciliation.report', 'balance.read', { day: '2026-01-02' }, true],
      ['reconciliation.exceptions.list', 'balance.read', {}, true],
      ['reconciliation.exceptions.retrieve', 'balance.read', exception, true],
      [
        'reconciliation.exceptions.resolve',
        'payouts.manage',
        async () => ({ ...(await freshException()), note: 'checked with the acquirer' }),
        false,
      ],
      [
        'bankAccounts.create',
        'payouts.manage',
        () => ({
          currency: 'eur',
          country: 'DE',
          account_holder_name: 'Shop GmbH',
          account_number: nextAccountNumber(200_000_000),
        }),
        false,
      ],
      [
        'bankAccounts.setDefault',
        'payouts.manage',
        async () => ({ id: (await freshAccount(false)).id }),
        false,
      ],
      [
        'bankAccounts.delete',
        'payouts.manage',
        async () => ({ id: (await freshAccount(false)).id }),
        false,
      ],
      ['auditLog.list', 'audit.read', {}, true],
      ['events.list', 'events.read', {}, true],
      ['team.list', 'team.read', {}, true],
      [
        'team.invite',
        'team.manage',
        { email: 'matrix-invitee@example.com', role: 'analyst' },
        false,
      ],
      ['team.revokeInvitation', 'team.manage', freshInvitation, false],
      [
        'team.updateRole',
        'team.manage',
        async () => ({ ...(await freshMember()), role: 'support' }),
        false,
      ],
      ['team.remove', 'team.manage', freshMember, false],
      ['team.requireTwoFactor', 'team.security', { required: false }, false],
      ['webhookEndpoints.list', 'developers.read', {}, true],
      ['webhookEndpoints.retrieve', 'developers.read', endpoint, true],
      [
        'webhookEndpoints.create',
        'webhooks.manage',
        { url: 'https://hooks.example.com/new', enabled_events: ['payment_intent.*'] },
        false,
      ],
      [
        'webhookEndpoints.update',
        'webhooks.manage',
        async () => ({ ...(await freshEndpoint()), description: 'matrix' }),
        false,
      ],
      ['webhookEndpoints.rollSecret', 'webhooks.manage', freshEndpoint, false],
      ['webhookEndpoints.del', 'webhooks.manage', freshEndpoint, false],
      ['webhookDeliveries.list', 'developers.read', { endpoint: endpoint.id }, true],
      ['webhookDeliveries.retrieve', 'developers.read', delivery, true],
      ['webhookDeliveries.resend', 'webhooks.manage', () => freshDelivery(), false],
      [
        'webhookDeliveries.resendFailed',
        'webhooks.manage',
        { endpoint: endpoint.id, since: 0 },
        false,
      ],
      ['events.retrieve', 'events.read', { id: eventId }, true],
      ['settings.retrieve', 'settings.read', {}, true],
      ['home.summary', 'balance.read', { period: '7d' }, true],
      ['reviews.queue', 'payments.read', {}, true],
      ['disputes.list', 'payments.read', {}, true],
      ['disputes.retrieve', 'payments.read', freshDispute, true],
      [
        'disputes.update',
        'payments.manage',
        async () => ({ ...(await freshDispute()), evidence: { customer_name: 'Ada' } }),
        false,
      ],
      ['disputes.close', 'payments.manage', freshDispute, false],
      [
        'disputes.upload',
        'payments.manage',
        {
          purpose: 'dispute_evidence',
          filename: 'receipt.pdf',
          content: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64'),
        },
        false,
      ],
      ['reviews.approve', 'payments.manage', freshReview, false],
      ['reviews.reject', 'payments.manage', freshReview, false],
      ['risk.rules.list', 'payments.read', {}, true],
      ['risk.rules.test', 'payments.read', { source: 'block if :amount: > 100' }, true],
      ['risk.rules.create', 'risk.manage', { source: 'review if :amount_in_usd: > 900' }, false],
      [
        'risk.rules.update',
        'risk.manage',
        { id: 'rule_default_elevated_risk', enabled: true },
        false,
      ],
      ['risk.lists.list', 'payments.read', {}, true],
      ['risk.lists.items', 'payments.read', { list: 'blocked_emails' }, true],
      [
        'risk.lists.create',
        'risk.manage',
        () => ({
          alias: `matrix_${newId('riskList').slice(3, 11).toLowerCase()}`,
          name: 'Matrix',
          kind: 'email',
        }),
        false,
      ],
      [
        'risk.lists.addItem',
        'risk.manage',
        { list: 'blocked_emails', value: 'x@example.com' },
        false,
      ],
      [
        'risk.lists.removeItem',
        'risk.manage',
        async () => {
          await db.current.pool.query(
            `INSERT INTO risk_list_items (id, merchant_id, livemode, list_alias, value, created_by, created_at)
             VALUES ($1, $2, false, 'blocked_ips', '192.0.2.1', 'test', now()) ON CONFLICT DO NOTHING`,
            [newId('riskListItem'), shop.merchantId],
          );
          return { list: 'blocked_ips', value: '192.0.2.1' };
        },
        false,
      ],
      ['risk.settings.retrieve', 'payments.read', {}, true],
      ['risk.settings.update', 'risk.manage', { fallback: 'allow_and_review' }, false],
      ['settings.update', 'settings.manage', { support_email: 'help@shop.example' }, false],
    ];
    const outcomes: string[] = [];
    for (const role of ROLES) {
      const cookie = await cookieOf(
        await newUser(`matrix-${role}@example.com`, [[shop.merchantId, role]]),
      );
      for (const [path, permission, made, query] of calls) {
        const input = typeof made === 'function' ? await made() : made;
        const response = await dashboard(cookie, shop.merchantId)(path, input, {
          query,
          ...(!query && { idempotencyKey: `matrix-${role}-${path}` }),
        });
        const allowed = may(role, permission);
        outcomes.push(`${role} ${path}: ${response.status}`);
        if (allowed) expect(response.status, `${role} ${path}`).toBe(200);
        else {
          expect(response.status, `${role} ${path}`).toBe(403);
          expect(response.error).toMatchObject({ code: 'role_insufficient' });
        }
      }
    }
    expect(outcomes).toHaveLength(ROLES.length * calls.length);
    // Every dashboard procedure of a merchant is in the list above.
    const procedures = Object.keys(appRouter._def.procedures).filter(
      (path) =>
        path.startsWith('dashboard.') &&
        !['dashboard.session', 'dashboard.signOut'].includes(path) &&
        !(
          path.startsWith('dashboard.twoFactor.') ||
          path.startsWith('dashboard.sessions.') ||
          path.startsWith('dashboard.authEvents.')
        ),
    );
    expect(calls.map(([path]) => `dashboard.${path}`).sort()).toEqual(procedures.sort());
  }, 120_000);

  it("a removed member's session stops working on its very next request", async () => {
    const leaving = await dashboardUser(db.current, 'leaving@example.com', [
      [shop.merchantId, 'admin'],
    ]);
    const call = dashboardCaller(base, leaving.cookie, shop.merchantId);
    expect((await call('paymentIntents.list', {}, { query: true })).status).toBe(200);
    await db.current.prisma.membership.deleteMany({ where: { userId: leaving.id } });
    const after = await call('paymentIntents.list', {}, { query: true });
    expect(after.status).toBe(403);
    expect((await call('refunds.create', { payment_intent: paymentId, amount: 1 })).status).toBe(
      403,
    );
  });

  describe('settings', () => {
    it("changes the business profile and the checkout's public details; the hosted page shows them", async () => {
      const owner = await newUser('settings-owner@example.com', [[shop.merchantId, 'owner']]);
      const as = dashboard(await cookieOf(owner), shop.merchantId);
      const bad = await as('settings.update', { support_url: 'http://plain.example.com' });
      expect(bad.error).toMatchObject({ code: 'parameter_invalid', param: 'support_url' });
      expect((await as('settings.update', { country: 'XX' })).error).toMatchObject({
        param: 'country',
      });
      expect((await as('settings.update', { fee_rate_bps: 0 })).error).toMatchObject({
        code: 'parameter_invalid',
      });
      const updated = await as<{
        business: Record<string, unknown>;
        checkout: Record<string, unknown>;
        fee_plan: { rate_bps: number; fixed: Array<{ currency: string; amount: number }> };
      }>('settings.update', {
        website: 'https://shop.example',
        country: 'de',
        public_name: 'Espresso Shop',
        support_email: 'help@shop.example',
        support_phone: '+49 30 1234567',
        support_url: 'https://shop.example/help',
      });
      expect(updated.status).toBe(200);
      expect(updated.body.business).toMatchObject({
        website: 'https://shop.example',
        country: 'DE',
      });
      expect(updated.body.checkout).toMatchObject({ shown_name: 'Espresso Shop' });
      expect(updated.body.fee_plan.rate_bps).toBe(290);
      expect(updated.body.fee_plan.fixed).toContainEqual(
        expect.objectContaining({ currency: 'eur', amount: 25 }),
      );

      // The hosted checkout shows the public name and the support details.
      const session = await client(base, shop.secretKey)<{ id: string }>(
        'checkoutSessions.create',
        {
          line_items: [{ name: 'Flat white', quantity: 1, unit_amount: 450 }],
          currency: 'eur',
          success_url: 'https://shop.example/thanks',
          cancel_url: 'https://shop.example/cart',
        },
      );
      const page = await client(base)<{ merchant_name: string; merchant_support: unknown }>(
        'checkout.sessions.retrieve',
        { id: session.body.id },
        { query: true },
      );
      expect(page.body.merchant_name).toBe('Espresso Shop');
      expect(page.body.merchant_support).toEqual({
        email: 'help@shop.example',
        phone: '+49 30 1234567',
        url: 'https://shop.example/help',
      });

      // Cleared with '' or null: the checkout shows the business's own name again.
      const cleared = await as<{ checkout: Record<string, unknown> }>('settings.update', {
        public_name: '',
        support_phone: null,
      });
      expect(cleared.body.checkout).toMatchObject({
        public_name: null,
        shown_name: 'Test merchant',
        support_phone: null,
        support_email: 'help@shop.example',
      });
      // An analyst reads them, and cannot change them.
      const analyst = await newUser('settings-analyst@example.com', [[shop.merchantId, 'analyst']]);
      const reader = dashboard(await cookieOf(analyst), shop.merchantId);
      expect((await reader('settings.retrieve', {}, { query: true })).status).toBe(200);
      expect((await reader('settings.update', { name: 'Mine now' })).error).toMatchObject({
        code: 'role_insufficient',
      });
    });
  });
});
