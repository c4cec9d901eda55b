import { type Clock, randomBase62 } from '@kassa/contracts';
import { type Queryable, query, type Transaction } from '@kassa/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { applyInjections, csvField, type Injection } from './injections.ts';
import { settlementNets } from './settlement.ts';

/**
 * The simulated bank that holds the platform's account: it receives payouts (transfers to
 * merchants' accounts) over HTTP, answers later (paid, or failed for the test account numbers
 * below), and produces the account's daily statement: the acquirer's settlement coming in, paid
 * transfers going out. It plays an outside party: its records are in the simulator's schema.
 */

/** Account numbers that fail, as Stripe's test bank accounts do; any other number is paid. */
export const testBankAccounts = {
  '000123456789': 'paid',
  '000111111116': 'no_account',
  '000111111113': 'account_closed',
  '000222222227': 'insufficient_funds',
  '000333333335': 'debit_not_authorized',
  '000444444440': 'invalid_currency',
} as const;

export const BANK_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS acquirer_sim.bank_transfers (
  id            text PRIMARY KEY,
  reference     text NOT NULL,
  amount        bigint NOT NULL CHECK (amount > 0),
  currency      char(3) NOT NULL,
  account_last4 char(4) NOT NULL,
  holder_name   text NOT NULL,
  outcome       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
  created_at    timestamptz NOT NULL,
  settle_at     timestamptz NOT NULL,
  settled_at    timestamptz
);
CREATE INDEX IF NOT EXISTS bank_transfers_settled_at ON acquirer_sim.bank_transfers (settled_at);
CREATE INDEX IF NOT EXISTS bank_transfers_pending ON acquirer_sim.bank_transfers (settle_at) WHERE status = 'pending';
`;

export const STATEMENT_COLUMNS = [
  'booked_on',
  'direction',
  'amount',
  'currency',
  'reference',
  'bank_reference',
  'description',
] as const;

const MAX_TRANSFER = 2 ** 53 - 1;

const transferInput = z
  .object({
    amount: z.number().int().min(1).max(MAX_TRANSFER),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** The payer's reference: Kassa sends the payout id. */
    reference: z.string().min(1).max(100),
    account: z
      .object({
        account_number: z.string().regex(/^\d{4,17}$/),
        routing_number: z
          .string()
          .regex(/^\d{9}$/)
          .nullable(),
        holder_name: z.string().min(1).max(200),
      })
      .strict(),
  })
  .strict();

interface TransferRow {
  id: string;
  reference: string;
  amount: bigint;
  currency: string;
  account_last4: string;
  holder_name: string;
  outcome: string;
  status: 'pending' | 'paid' | 'failed';
  created_at: Date;
  settle_at: Date;
  settled_at: Date | null;
}

function transferView(row: TransferRow) {
  return {
    id: row.id,
    object: 'transfer',
    reference: row.reference,
    amount: Number(row.amount),
    currency: row.currency,
    account_last4: row.account_last4,
    status: row.status,
    failure_code: row.status === 'failed' ? row.outcome : null,
    created: row.created_at.toISOString(),
    settled: row.settled_at?.toISOString() ?? null,
  };
}

/** Transfers whose time has come are decided (lazily, at every read, by the simulator's clock). */
async function settleDue(db: Queryable, now: Date): Promise<void> {
  await query(
    db,
    `UPDATE acquirer_sim.bank_transfers
        SET status = CASE WHEN outcome = 'paid' THEN 'paid' ELSE 'failed' END, settled_at = settle_at
      WHERE status = 'pending' AND settle_at <= $1`,
    [now],
  );
}

const addDay = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The account's statement of one UTC day, as CSV: a credit per currency for the acquirer's
 * settlement of the day before (the net of its report: captures, refunds, chargebacks and their
 * reversals, less the acquirer's fees), and a debit per transfer
 * paid that day. Failed transfers never left the account and are not on it.
 */
export async function statementCsv(
  db: Queryable,
  day: string,
  now: Date,
  injections: readonly Injection[] = [],
): Promise<string> {
  await settleDue(db, now);
  const settled = addDay(day, -1);
  const credits = [...(await settlementNets(db, settled, now))]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, net]) => ({ currency, net, day: settled }));
  const debits = await query<TransferRow>(
    db,
    `SELECT * FROM acquirer_sim.bank_transfers
      WHERE status = 'paid'
        AND settled_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
        AND settled_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
      ORDER BY settled_at, id`,
    [day],
  );
  const lines: string[][] = [
    ...credits
      .filter((c) => c.net !== 0n)
      .map((c) => [
        day,
        c.net > 0n ? 'credit' : 'debit',
        (c.net > 0n ? c.net : -c.net).toString(),
        c.currency,
        `acquirer_settlement:${c.day}:${c.currency}`,
        `acq_${c.day.replaceAll('-', '')}_${c.currency}`,
        `Acquirer settlement ${c.day}`,
      ]),
    ...debits.map((t) => [
      day,
      'debit',
      t.amount.toString(),
      t.currency,
      t.reference,
      t.id,
      `Transfer to account ending ${t.account_last4}`,
    ]),
  ];
  const rows = applyInjections(lines, injections, 'statement', { reference: 4, amounts: [2] });
  return `${[STATEMENT_COLUMNS.join(','), ...rows.map((l) => l.map(csvField).join(','))].join('\r\n')}\r\n`;
}

export interface BankOptions {
  pool: pg.Pool;
  clock: Clock;
  /** How long after it is received a transfer is decided (paid or failed). */
  settleDelayMs: () => number;
  injections: () => readonly Injection[];
  once: (
    request: FastifyRequest,
    reply: FastifyReply,
    work: (tx: Transaction) => Promise<{ status: number; body: unknown }>,
  ) => Promise<unknown>;
  notFound: (message: string) => Error;
}

/** The bank's API, under /bank/v1 in the simulator's authenticated scope. */
export function registerBank(api: FastifyInstance, options: BankOptions): void {
  const { pool, clock } = options;

  api.post('/bank/v1/transfers', async (request, reply) => {
    const input = transferInput.parse(request.body);
    return options.once(request, reply, async (tx) => {
      const number = input.account.account_number;
      const outcome =
        (testBankAccounts as Record<string, string>)[number] === undefined
          ? 'paid'
          : (testBankAccounts as Record<string, string>)[number];
      const now = clock.now();
      const [row] = await query<TransferRow>(
        tx,
        `INSERT INTO acquirer_sim.bank_transfers
           (id, reference, amount, currency, account_last4, holder_name, outcome, status, created_at, settle_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING *`,
        [
          `tr_${randomBase62(24)}`,
          input.reference,
          BigInt(input.amount),
          input.currency,
          number.slice(-4),
          input.account.holder_name,
          outcome,
          now,
          new Date(now.getTime() + options.settleDelayMs()),
        ],
      );
      return { status: 201, body: transferView(row as TransferRow) };
    });
  });

  api.get<{ Params: { id: string } }>('/bank/v1/transfers/:id', async (request) => {
    await settleDue(pool, clock.now());
    const [row] = await query<TransferRow>(
      pool,
      'SELECT * FROM acquirer_sim.bank_transfers WHERE id = $1',
      [request.params.id],
    );
    if (!row) throw options.notFound(`No such transfer: ${request.params.id}`);
    return transferView(row);
  });

  api.get<{ Params: { day: string } }>('/bank/v1/statements/:day', async (request, reply) => {
    const day = z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .parse(request.params.day);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="statement-${day}.csv"`)
      .send(await statementCsv(pool, day, clock.now(), options.injections()));
  });
}
