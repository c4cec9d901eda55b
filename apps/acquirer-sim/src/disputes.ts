import { type Clock, exponentOf, randomBase62 } from '@kassa/contracts';
import { type Queryable, query, type Transaction } from '@kassa/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';

/**
 * Disputes, as the card networks raise them: a shopper's bank disputes a captured payment. The
 * simulator opens one when a dispute test card is captured, withdraws the amount from the
 * merchant (in Kassa's books, when Kassa learns of it), and decides it some time after the
 * merchant submits evidence (`dispute_decision_delay_ms`, 10 s by default): the card says how.
 */
export const disputePlans = {
  won: {
    card: '4000000000000259',
    kind: 'dispute',
    reason: 'fraudulent',
    outcome: 'won',
    description: 'Disputed as fraudulent once captured; won when evidence is submitted',
  },
  lost: {
    card: '4000000000002685',
    kind: 'dispute',
    reason: 'product_not_received',
    outcome: 'lost',
    description: 'Disputed (product not received) once captured; lost when evidence is submitted',
  },
  inquiry: {
    card: '4000000000001976',
    kind: 'inquiry',
    reason: 'fraudulent',
    outcome: 'warning_closed',
    description: 'An inquiry (no funds withdrawn) once captured; closed when evidence is submitted',
  },
} as const;

export type DisputePlan = keyof typeof disputePlans;

/** The dispute plan of a card number, if it is a dispute test card (the number is not kept). */
export function disputePlanOf(number: string): DisputePlan | undefined {
  return (Object.keys(disputePlans) as DisputePlan[]).find((p) => disputePlans[p].card === number);
}

export const DISPUTES_SCHEMA_SQL = `
ALTER TABLE acquirer_sim.authorizations ADD COLUMN IF NOT EXISTS dispute_plan text;
CREATE SEQUENCE IF NOT EXISTS acquirer_sim.dispute_changes;
CREATE TABLE IF NOT EXISTS acquirer_sim.disputes (
  id               text PRIMARY KEY,
  authorization_id text NOT NULL UNIQUE REFERENCES acquirer_sim.authorizations (id),
  merchant         text NOT NULL,
  reference        text NOT NULL,
  amount           bigint NOT NULL CHECK (amount > 0),
  currency         char(3) NOT NULL,
  reason           text NOT NULL,
  status           text NOT NULL CHECK (status IN ('needs_response', 'under_review', 'won', 'lost',
                     'warning_needs_response', 'warning_under_review', 'warning_closed')),
  outcome          text NOT NULL,
  evidence         jsonb,
  evidence_due_by  timestamptz NOT NULL,
  decide_at        timestamptz,
  change           bigint NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS disputes_change ON acquirer_sim.disputes (change);
ALTER TABLE acquirer_sim.disputes ADD COLUMN IF NOT EXISTS fee bigint NOT NULL DEFAULT 0;
ALTER TABLE acquirer_sim.disputes ADD COLUMN IF NOT EXISTS decided_at timestamptz;
`;

/**
 * The acquirer's chargeback fee, charged to the platform when a dispute withdraws funds (not for
 * an inquiry, and not returned if the dispute is won): 10 major units of the dispute's currency.
 */
export function chargebackFee(currency: string): bigint {
  return 10n * 10n ** BigInt(exponentOf(currency));
}

interface DisputeRow {
  id: string;
  authorization_id: string;
  merchant: string;
  reference: string;
  amount: bigint;
  currency: string;
  reason: string;
  status: string;
  outcome: string;
  evidence: Record<string, unknown> | null;
  evidence_due_by: Date;
  decide_at: Date | null;
  decided_at: Date | null;
  fee: bigint;
  change: bigint;
  created_at: Date;
  updated_at: Date;
}

const EVIDENCE_DAYS = 7;

/** At a capture of a dispute test card: the dispute (or inquiry) the shopper's bank opens. */
export async function openDisputeAtCapture(
  tx: Queryable,
  authorization: { id: string; merchant: string; reference: string; currency: string },
  planName: DisputePlan,
  amount: bigint,
  now: Date,
): Promise<void> {
  const plan = disputePlans[planName];
  await query(
    tx,
    `INSERT INTO acquirer_sim.disputes (id, authorization_id, merchant, reference, amount, currency,
       reason, status, outcome, evidence_due_by, fee, change, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, nextval('acquirer_sim.dispute_changes'), $11, $11)
     ON CONFLICT (authorization_id) DO NOTHING`,
    [
      `dp_${randomBase62(24)}`,
      authorization.id,
      authorization.merchant,
      authorization.reference,
      amount,
      authorization.currency,
      plan.reason,
      plan.kind === 'inquiry' ? 'warning_needs_response' : 'needs_response',
      plan.outcome,
      new Date(now.getTime() + EVIDENCE_DAYS * 86_400_000),
      now,
      plan.kind === 'inquiry' ? 0n : chargebackFee(authorization.currency),
    ],
  );
}

function disputeView(row: DisputeRow) {
  return {
    id: row.id,
    object: 'dispute',
    authorization: row.authorization_id,
    merchant: row.merchant,
    reference: row.reference,
    amount: Number(row.amount),
    currency: row.currency,
    reason: row.reason,
    status: row.status,
    evidence: row.evidence ?? {},
    evidence_due_by: row.evidence_due_by.toISOString(),
    change: Number(row.change),
    created: row.created_at.toISOString(),
  };
}

/**
 * Decides the disputes whose decision is due (lazily, on every read: the simulator's clock), as
 * of the moment it was due: a won dispute's funds come back then (its settlement report line).
 */
export async function decideDue(db: Queryable, now: Date): Promise<void> {
  await query(
    db,
    `UPDATE acquirer_sim.disputes SET status = outcome, decided_at = decide_at, decide_at = NULL, updated_at = $1,
       change = nextval('acquirer_sim.dispute_changes')
     WHERE decide_at IS NOT NULL AND decide_at <= $1`,
    [now],
  );
}

const evidenceInput = z
  .object({
    evidence: z.record(z.string().max(100), z.string().max(20_000)).default({}),
    submit: z.boolean().default(false),
  })
  .strict();

export interface DisputeOptions {
  pool: pg.Pool;
  clock: Clock;
  decisionDelayMs: () => number;
  once: (
    request: FastifyRequest,
    reply: FastifyReply,
    work: (tx: Transaction) => Promise<{ status: number; body: unknown }>,
  ) => Promise<unknown>;
  notFound: (message: string) => Error;
  conflict: (message: string) => Error;
}

/** The disputes API, in the simulator's authenticated scope. */
export function registerDisputes(api: FastifyInstance, options: DisputeOptions): void {
  const { pool, clock } = options;

  /** Disputes changed after `after_change` (a cursor: each change takes the next number). */
  api.get<{ Querystring: { after_change?: string; limit?: string } }>(
    '/v1/disputes',
    async (request) => {
      const after = z.coerce.number().int().min(0).default(0).parse(request.query.after_change);
      const limit = z.coerce.number().int().min(1).max(100).default(100).parse(request.query.limit);
      await decideDue(pool, clock.now());
      const rows = await query<DisputeRow>(
        pool,
        'SELECT * FROM acquirer_sim.disputes WHERE change > $1 ORDER BY change LIMIT $2',
        [after, limit],
      );
      return { data: rows.map(disputeView) };
    },
  );

  api.get<{ Params: { id: string } }>('/v1/disputes/:id', async (request) => {
    await decideDue(pool, clock.now());
    const [row] = await query<DisputeRow>(
      pool,
      'SELECT * FROM acquirer_sim.disputes WHERE id = $1',
      [request.params.id],
    );
    if (!row) throw options.notFound(`No such dispute: ${request.params.id}`);
    return disputeView(row);
  });

  const load = async (tx: Transaction, id: string) => {
    await decideDue(tx, clock.now());
    const [row] = await query<DisputeRow>(
      tx,
      'SELECT * FROM acquirer_sim.disputes WHERE id = $1 FOR UPDATE',
      [id],
    );
    if (!row) throw options.notFound(`No such dispute: ${id}`);
    return row;
  };

  /** Evidence, kept as a draft or submitted (then decided after the decision delay). */
  api.post<{ Params: { id: string } }>('/v1/disputes/:id/evidence', async (request, reply) => {
    const input = evidenceInput.parse(request.body);
    return options.once(request, reply, async (tx) => {
      const row = await load(tx, request.params.id);
      if (row.status !== 'needs_response' && row.status !== 'warning_needs_response')
        throw options.conflict(
          `Dispute ${row.id} is ${row.status}: evidence can no longer be given.`,
        );
      const now = clock.now();
      const status = input.submit
        ? row.status === 'needs_response'
          ? 'under_review'
          : 'warning_under_review'
        : row.status;
      const [updated] = await query<DisputeRow>(
        tx,
        `UPDATE acquirer_sim.disputes SET evidence = coalesce(evidence, '{}'::jsonb) || $2::jsonb,
           status = $3, decide_at = $4, updated_at = $5, change = nextval('acquirer_sim.dispute_changes')
         WHERE id = $1 RETURNING *`,
        [
          row.id,
          JSON.stringify(input.evidence),
          status,
          input.submit ? new Date(now.getTime() + options.decisionDelayMs()) : null,
          now,
        ],
      );
      return { status: 200, body: disputeView(updated as DisputeRow) };
    });
  });

  /** The merchant accepts the dispute: lost at once (an inquiry is closed). */
  api.post<{ Params: { id: string } }>('/v1/disputes/:id/accept', async (request, reply) =>
    options.once(request, reply, async (tx) => {
      const row = await load(tx, request.params.id);
      if (row.status !== 'needs_response' && row.status !== 'warning_needs_response')
        throw options.conflict(`Dispute ${row.id} is ${row.status}: it cannot be accepted.`);
      const [updated] = await query<DisputeRow>(
        tx,
        `UPDATE acquirer_sim.disputes SET status = $2, decide_at = NULL, decided_at = $3, updated_at = $3,
           change = nextval('acquirer_sim.dispute_changes')
         WHERE id = $1 RETURNING *`,
        [row.id, row.status === 'needs_response' ? 'lost' : 'warning_closed', clock.now()],
      );
      return { status: 200, body: disputeView(updated as DisputeRow) };
    }),
  );
}
