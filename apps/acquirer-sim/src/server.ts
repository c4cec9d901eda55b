import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, randomBase62, systemClock } from '@kassa/contracts';
import { type Transaction, withTransaction } from '@kassa/db';
import canonicalize from 'canonicalize';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { registerBank } from './bank.ts';
import { behaviourOf, brandOf } from './cards.ts';
import { challengePage, donePage } from './challenge.ts';
import {
  type DisputePlan,
  disputePlanOf,
  openDisputeAtCapture,
  registerDisputes,
} from './disputes.ts';
import { type Injection, injectionSchema } from './injections.ts';
import { settlementCsv } from './settlement.ts';
import {
  type AuthorizationRow,
  insertAuthorization,
  insertOperation,
  loadAuthorization,
  updateAuthorization,
} from './store.ts';

/** How the simulator misbehaves; adjustable at run time through /_control. */
export interface Behaviour {
  /** Added latency per request, uniformly random between the two. */
  latencyMs: [number, number];
  /** Share of requests answered 503 before anything happens. */
  faultRate: number;
  /** Share of requests processed and committed whose connection is then dropped unanswered. */
  lostResponseRate: number;
  /**
   * Refuse a repeated Idempotency-Key with 409 request_in_progress instead of replaying its
   * answer (as some acquirers do while, or for a while after, they process the first request).
   */
  refuseReplays: boolean;
  /**
   * Hold every API request before it is processed until released: a test fills a bulkhead or
   * keeps a call in flight for exactly as long as it needs, instead of guessing a latency.
   */
  hold: boolean;
  /** How long after it is received the bank decides a transfer (paid or failed). */
  bankSettleDelayMs: number;
  /** How long after evidence is submitted a dispute is decided. */
  disputeDecisionDelayMs: number;
  /** Faults written into the settlement report and the bank statement (injections.ts). */
  inject: Injection[];
}

export interface AcquirerOptions {
  pool: pg.Pool;
  /** The shared secret callers present as `Authorization: Bearer …`. */
  apiKey: string;
  /** Where browsers reach this server (the 3-D Secure challenge page). */
  publicUrl: string;
  behaviour?: Partial<Behaviour>;
  logger?: boolean | { level: string };
  /** The acquirer's own fee on captures, in basis points (rounded half up). */
  feeBps?: number;
  /**
   * The simulator's clock: card expiries, the time of captures and refunds (and so the day of
   * the settlement report they are on), when the bank decides a transfer. The system clock by
   * default; `POST /_control { now }` stops it at an instant (for tests and demos of given days),
   * `{ now: null }` lets it run again.
   */
  clock?: Clock;
}

const MAX_AMOUNT = 99_999_999;
const newId = (prefix: string) => `${prefix}_${randomBase62(24)}`;

const authorizationInput = z
  .object({
    amount: z.number().int().min(1).max(MAX_AMOUNT),
    currency: z.string().regex(/^[A-Z]{3}$/),
    capture: z.boolean(),
    merchant: z.string().min(1).max(100),
    reference: z.string().min(1).max(100),
    card: z
      .object({
        number: z.string().regex(/^\d{12,19}$/),
        exp_month: z.number().int().min(1).max(12),
        exp_year: z.number().int().min(2000).max(2100),
        cvc: z
          .string()
          .regex(/^\d{3,4}$/)
          .optional(),
      })
      .strict(),
    return_url: z.url().max(2000).optional(),
    /**
     * `required`: the merchant's risk rules asked for 3-D Secure; the issuer challenges the
     * shopper whatever the card (a card that is declined is still declined).
     */
    three_d_secure: z.enum(['automatic', 'required']).optional(),
  })
  .strict();

const amountInput = z
  .object({ amount: z.number().int().min(1).max(MAX_AMOUNT).optional() })
  .strict();
const refundInput = z.object({ amount: z.number().int().min(1).max(MAX_AMOUNT) }).strict();
const controlInput = z
  .object({
    latency_ms: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
    fault_rate: z.number().min(0).max(1).optional(),
    lost_response_rate: z.number().min(0).max(1).optional(),
    refuse_replays: z.boolean().optional(),
    hold: z.boolean().optional(),
    bank_settle_delay_ms: z.number().int().min(0).max(86_400_000).optional(),
    dispute_decision_delay_ms: z.number().int().min(0).max(86_400_000).optional(),
    inject: z.array(injectionSchema).max(100).optional(),
    now: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();

class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function view(row: AuthorizationRow, publicUrl: string) {
  return {
    id: row.id,
    object: 'authorization',
    status: row.status,
    amount: Number(row.amount),
    currency: row.currency,
    capture: row.capture,
    captured_amount: Number(row.captured_amount),
    refunded_amount: Number(row.refunded_amount),
    decline_code: row.decline_code,
    card: { brand: row.card_brand, last4: row.card_last4 },
    merchant: row.merchant,
    reference: row.reference,
    network_transaction_id: row.network_transaction_id,
    next_action:
      row.status === 'requires_action'
        ? { type: 'three_d_secure', redirect_url: `${publicUrl}/3ds/${row.id}` }
        : null,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

function withoutCvc(body: unknown): unknown {
  const card = (body as { card?: Record<string, unknown> } | undefined)?.card;
  if (!card || typeof card !== 'object') return body;
  const { cvc: _, ...rest } = card;
  return { ...(body as object), card: rest };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The acquirer simulator: authorizations (with capture or not), captures, voids, refunds, a 3-D
 * Secure challenge, a daily settlement report. Every mutation requires an `Idempotency-Key`;
 * a retry with the same key and body gets the first answer and changes nothing.
 */
export async function buildAcquirerServer(options: AcquirerOptions): Promise<FastifyInstance> {
  const { pool, publicUrl } = options;
  const feeBps = BigInt(options.feeBps ?? 100);
  const baseClock = options.clock ?? systemClock;
  let frozenAt: Date | null = null;
  const clock: Clock = { now: () => (frozenAt ? new Date(frozenAt) : baseClock.now()) };
  const behaviour: Behaviour = {
    latencyMs: options.behaviour?.latencyMs ?? [0, 0],
    faultRate: options.behaviour?.faultRate ?? 0,
    lostResponseRate: options.behaviour?.lostResponseRate ?? 0,
    refuseReplays: options.behaviour?.refuseReplays ?? false,
    hold: options.behaviour?.hold ?? false,
    bankSettleDelayMs: options.behaviour?.bankSettleDelayMs ?? 10_000,
    disputeDecisionDelayMs: options.behaviour?.disputeDecisionDelayMs ?? 10_000,
    inject: options.behaviour?.inject ?? [],
  };
  // Requests waiting for the hold to be released (released in arrival order).
  const held: Array<() => void> = [];
  const release = () => {
    for (const go of held.splice(0)) go();
  };
  const expectedKey = digest(options.apiKey);
  const hashKey = digest(`request-hash:${options.apiKey}`);
  const app = Fastify({
    logger: options.logger ?? false,
    forceCloseConnections: true,
    genReqId: () => newId('sreq'),
  });
  // Held requests would keep close() waiting forever.
  app.addHook('preClose', async () => {
    behaviour.hold = false;
    release();
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof SimError) {
      return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
    }
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      return reply.code(400).send({
        error: {
          code: 'invalid_request',
          message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
        },
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status < 500) {
      return reply
        .code(status)
        .send({ error: { code: 'invalid_request', message: (error as Error).message } });
    }
    app.log.error({ err: error }, 'acquirer simulator failed');
    return reply.code(500).send({ error: { code: 'internal_error', message: 'internal error' } });
  });

  const authenticate = async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(presented), expectedKey)) {
      throw new SimError(401, 'unauthorized', 'Missing or wrong API key.');
    }
  };

  // Latency and random faults, for the API (/v1) only: browsers on the challenge page are spared.
  const misbehave = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith('/_control')) return;
    if (behaviour.hold) await new Promise<void>((resolve) => held.push(resolve));
    const [min, max] = behaviour.latencyMs;
    const delay = min + Math.random() * Math.max(0, max - min);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (request.method !== 'GET' && Math.random() < behaviour.faultRate) {
      return reply
        .code(503)
        .send({ error: { code: 'service_unavailable', message: 'Random fault (simulated).' } });
    }
  };

  /** Drops the connection without an answer: the request's effects stand, the caller never hears. */
  const loseResponse = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    request.raw.socket.destroy();
  };

  /**
   * Runs a mutation once per Idempotency-Key: the key is claimed in the transaction that does
   * the work, so a concurrent retry waits for it and then replays its answer.
   */
  async function once(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (tx: Transaction) => Promise<{ status: number; body: unknown }>,
  ) {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw new SimError(400, 'idempotency_key_required', 'Send an Idempotency-Key header.');
    }
    // Keyed, because the body may hold a card number. The CVC is left out: a caller may not
    // keep it, so a retry after a lost answer cannot send it again.
    const requestHash = createHmac('sha256', hashKey)
      .update(canonicalize({ url: request.url, body: withoutCvc(request.body) }) ?? '')
      .digest('hex');
    const outcome = await withTransaction(pool, async (tx) => {
      const claimed = await tx.query(
        `INSERT INTO acquirer_sim.idempotency (key, request_hash, status) VALUES ($1, $2, 0)
         ON CONFLICT DO NOTHING`,
        [key, requestHash],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await tx.query<{ request_hash: string; status: number; body: unknown }>(
          'SELECT request_hash, status, body FROM acquirer_sim.idempotency WHERE key = $1',
          [key],
        );
        const stored = rows[0];
        if (!stored || stored.request_hash !== requestHash) {
          throw new SimError(
            422,
            'idempotency_key_reused',
            'This Idempotency-Key was used with another request.',
          );
        }
        if (behaviour.refuseReplays) {
          throw new SimError(
            409,
            'request_in_progress',
            'A request with this key was already received.',
          );
        }
        return { status: stored.status, body: stored.body, replayed: true };
      }
      const result = await work(tx);
      await tx.query('UPDATE acquirer_sim.idempotency SET status = $2, body = $3 WHERE key = $1', [
        key,
        result.status,
        JSON.stringify(result.body),
      ]);
      return { ...result, replayed: false };
    });
    if (!outcome.replayed && Math.random() < behaviour.lostResponseRate) {
      return loseResponse(request, reply);
    }
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(outcome.status).send(outcome.body);
  }

  const fee = (amount: bigint) => (amount * feeBps + 5_000n) / 10_000n;

  async function captureInside(tx: Transaction, row: AuthorizationRow, amount: bigint) {
    row.status = 'captured';
    row.captured_amount = amount;
    await insertOperation(tx, {
      id: newId('cap'),
      authorizationId: row.id,
      type: 'capture',
      amount,
      currency: row.currency,
      fee: fee(amount),
      createdAt: clock.now(),
    });
    // A dispute test card: the shopper's bank disputes the payment once it is captured.
    if (row.dispute_plan)
      await openDisputeAtCapture(tx, row, row.dispute_plan as DisputePlan, amount, clock.now());
  }

  const requireAuthorization = async (tx: Transaction, id: string) => {
    const row = await loadAuthorization(tx, id, { forUpdate: true });
    if (!row) throw new SimError(404, 'not_found', `No such authorization: ${id}`);
    return row;
  };

  app.get('/healthz', async () => ({ status: 'ok' }));

  await app.register(async (api) => {
    api.addHook('onRequest', authenticate);
    api.addHook('onRequest', misbehave);

    api.post('/v1/authorizations', async (request, reply) => {
      const input = authorizationInput.parse(request.body);
      const card = behaviourOf(input.card.number);
      if (card.kind === 'never_answer') {
        // Hold the connection until the caller gives up; nothing is recorded.
        reply.hijack();
        await new Promise((resolve) => request.raw.socket.once('close', resolve));
        return;
      }
      if (card.kind === 'unavailable') {
        throw new SimError(503, 'service_unavailable', 'The issuer is unavailable (simulated).');
      }
      return once(request, reply, async (tx) => {
        const now = clock.now();
        const expired =
          input.card.exp_year < now.getUTCFullYear() ||
          (input.card.exp_year === now.getUTCFullYear() &&
            input.card.exp_month < now.getUTCMonth() + 1);
        const declineCode =
          card.kind === 'decline' ? card.declineCode : expired ? 'expired_card' : null;
        const row = await insertAuthorization(tx, {
          id: newId('auth'),
          merchant: input.merchant,
          reference: input.reference,
          amount: BigInt(input.amount),
          currency: input.currency,
          status: declineCode
            ? 'declined'
            : card.kind === 'three_d_secure' || input.three_d_secure === 'required'
              ? 'requires_action'
              : 'approved',
          capture: input.capture,
          captured_amount: 0n,
          refunded_amount: 0n,
          decline_code: declineCode,
          card_brand: brandOf(input.card.number),
          card_bin: input.card.number.slice(0, 6),
          card_last4: input.card.number.slice(-4),
          return_url: input.return_url ?? null,
          network_transaction_id: declineCode ? null : newId('ntx'),
        });
        const plan = row.status === 'declined' ? undefined : disputePlanOf(input.card.number);
        if (plan) {
          row.dispute_plan = plan;
          await tx.query('UPDATE acquirer_sim.authorizations SET dispute_plan = $2 WHERE id = $1', [
            row.id,
            plan,
          ]);
        }
        if (row.status === 'approved' && row.capture) {
          await captureInside(tx, row, row.amount);
          await updateAuthorization(tx, row);
        }
        return { status: 200, body: view(row, publicUrl) };
      });
    });

    /**
     * The authorization a request with this Idempotency-Key created, if one did: how a caller
     * whose retry was refused learns whether its first request went through.
     */
    api.get<{ Querystring: { idempotency_key?: string } }>(
      '/v1/authorizations',
      async (request) => {
        const key = request.query.idempotency_key;
        if (!key) throw new SimError(400, 'parameter_missing', 'Pass idempotency_key.');
        const { rows } = await pool.query<{ status: number; body: { id?: string } | null }>(
          `SELECT status, body FROM acquirer_sim.idempotency WHERE key = $1 AND status = 200`,
          [key],
        );
        const id = rows[0]?.body?.id;
        const row = id ? await loadAuthorization(pool, id) : undefined;
        return { object: 'list', data: row ? [view(row, publicUrl)] : [] };
      },
    );

    api.get<{ Params: { id: string } }>('/v1/authorizations/:id', async (request) => {
      const row = await loadAuthorization(pool, request.params.id);
      if (!row) throw new SimError(404, 'not_found', `No such authorization: ${request.params.id}`);
      return view(row, publicUrl);
    });

    api.post<{ Params: { id: string } }>(
      '/v1/authorizations/:id/capture',
      async (request, reply) => {
        const input = amountInput.parse(request.body ?? {});
        return once(request, reply, async (tx) => {
          const row = await requireAuthorization(tx, request.params.id);
          if (row.status !== 'approved') {
            throw new SimError(
              409,
              'invalid_state',
              `Authorization is ${row.status}; cannot capture.`,
            );
          }
          const amount = BigInt(input.amount ?? row.amount);
          if (amount > row.amount) {
            throw new SimError(409, 'amount_too_large', 'Cannot capture more than was authorized.');
          }
          await captureInside(tx, row, amount);
          return { status: 200, body: view(await updateAuthorization(tx, row), publicUrl) };
        });
      },
    );

    api.post<{ Params: { id: string } }>('/v1/authorizations/:id/void', async (request, reply) =>
      once(request, reply, async (tx) => {
        const row = await requireAuthorization(tx, request.params.id);
        if (row.status !== 'approved' && row.status !== 'requires_action') {
          throw new SimError(409, 'invalid_state', `Authorization is ${row.status}; cannot void.`);
        }
        row.status = 'voided';
        await insertOperation(tx, {
          id: newId('void'),
          authorizationId: row.id,
          type: 'void',
          amount: row.amount,
          currency: row.currency,
          fee: 0n,
          createdAt: clock.now(),
        });
        return { status: 200, body: view(await updateAuthorization(tx, row), publicUrl) };
      }),
    );

    api.post<{ Params: { id: string } }>(
      '/v1/authorizations/:id/refunds',
      async (request, reply) => {
        const input = refundInput.parse(request.body);
        return once(request, reply, async (tx) => {
          const row = await requireAuthorization(tx, request.params.id);
          if (row.status !== 'captured') {
            throw new SimError(
              409,
              'invalid_state',
              `Authorization is ${row.status}; cannot refund.`,
            );
          }
          const amount = BigInt(input.amount);
          if (row.refunded_amount + amount > row.captured_amount) {
            throw new SimError(409, 'amount_too_large', 'Cannot refund more than was captured.');
          }
          row.refunded_amount += amount;
          const id = newId('rf');
          await insertOperation(tx, {
            id,
            authorizationId: row.id,
            type: 'refund',
            amount,
            currency: row.currency,
            fee: 0n,
            createdAt: clock.now(),
          });
          await updateAuthorization(tx, row);
          return {
            status: 200,
            body: {
              id,
              object: 'refund',
              authorization: row.id,
              amount: input.amount,
              currency: row.currency,
              status: 'succeeded',
            },
          };
        });
      },
    );

    api.get<{ Params: { day: string } }>('/v1/settlements/:day', async (request, reply) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(request.params.day)) {
        throw new SimError(400, 'invalid_request', 'The day is YYYY-MM-DD.');
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="settlement-${request.params.day}.csv"`,
        )
        .send(await settlementCsv(pool, request.params.day, clock.now(), behaviour.inject));
    });

    registerBank(api, {
      pool,
      clock,
      settleDelayMs: () => behaviour.bankSettleDelayMs,
      injections: () => behaviour.inject,
      once,
      notFound: (message) => new SimError(404, 'not_found', message),
    });

    registerDisputes(api, {
      pool,
      clock,
      decisionDelayMs: () => behaviour.disputeDecisionDelayMs,
      once,
      notFound: (message) => new SimError(404, 'not_found', message),
      conflict: (message) => new SimError(409, 'dispute_closed', message),
    });

    const settings = () => ({
      latency_ms: behaviour.latencyMs,
      fault_rate: behaviour.faultRate,
      lost_response_rate: behaviour.lostResponseRate,
      refuse_replays: behaviour.refuseReplays,
      hold: behaviour.hold,
      held: held.length,
      bank_settle_delay_ms: behaviour.bankSettleDelayMs,
      dispute_decision_delay_ms: behaviour.disputeDecisionDelayMs,
      inject: behaviour.inject,
      now: frozenAt?.toISOString() ?? null,
    });
    api.get('/_control', async () => settings());
    api.post('/_control', async (request) => {
      const input = controlInput.parse(request.body);
      if (input.latency_ms) behaviour.latencyMs = input.latency_ms;
      if (input.fault_rate !== undefined) behaviour.faultRate = input.fault_rate;
      if (input.lost_response_rate !== undefined) {
        behaviour.lostResponseRate = input.lost_response_rate;
      }
      if (input.refuse_replays !== undefined) behaviour.refuseReplays = input.refuse_replays;
      if (input.hold !== undefined) behaviour.hold = input.hold;
      if (input.bank_settle_delay_ms !== undefined)
        behaviour.bankSettleDelayMs = input.bank_settle_delay_ms;
      if (input.dispute_decision_delay_ms !== undefined)
        behaviour.disputeDecisionDelayMs = input.dispute_decision_delay_ms;
      if (input.inject !== undefined) behaviour.inject = input.inject;
      if (input.now !== undefined) frozenAt = input.now === null ? null : new Date(input.now);
      if (!behaviour.hold) release();
      return settings();
    });
  });

  // The issuer's 3-D Secure challenge, for the shopper's browser (no API key).
  const securityHeaders = (reply: FastifyReply) =>
    reply
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'",
      )
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8');

  app.get<{ Params: { id: string } }>('/3ds/:id', async (request, reply) => {
    const row = await loadAuthorization(pool, request.params.id);
    if (!row) throw new SimError(404, 'not_found', 'No such challenge.');
    return securityHeaders(reply).send(
      row.status === 'requires_action' ? challengePage(row) : donePage(row),
    );
  });

  app.post<{ Params: { id: string }; Body: { result?: string } }>(
    '/3ds/:id',
    async (request, reply) => {
      const result = request.body?.result;
      if (result !== 'approve' && result !== 'fail') {
        throw new SimError(400, 'invalid_request', 'result is approve or fail.');
      }
      const row = await withTransaction(pool, async (tx) => {
        const found = await requireAuthorization(tx, request.params.id);
        if (found.status !== 'requires_action') return found;
        if (result === 'approve') {
          found.status = 'approved';
          found.network_transaction_id = newId('ntx');
          if (found.capture) await captureInside(tx, found, found.amount);
        } else {
          found.status = 'declined';
          found.decline_code = 'authentication_failed';
        }
        return updateAuthorization(tx, found);
      });
      if (row.return_url) {
        const back = new URL(row.return_url);
        back.searchParams.set('authorization', row.id);
        return reply.redirect(back.toString(), 303);
      }
      return securityHeaders(reply).send(donePage(row));
    },
  );

  return app;
}
