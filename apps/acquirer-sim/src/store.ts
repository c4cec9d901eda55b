import { type Queryable, query } from '@kassa/db';
import type pg from 'pg';
import { BANK_SCHEMA_SQL } from './bank.ts';
import { DISPUTES_SCHEMA_SQL } from './disputes.ts';

/**
 * The simulator's own records, in a schema of their own (`acquirer_sim`): it plays an outside
 * party, so it is not part of Kassa's Prisma schema or migrations. Card numbers are not stored:
 * a real acquirer keeps them in its own vault; the simulator keeps brand, BIN and last 4.
 */
const SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS acquirer_sim;
CREATE TABLE IF NOT EXISTS acquirer_sim.authorizations (
  id                     text PRIMARY KEY,
  merchant               text NOT NULL,
  reference              text NOT NULL,
  amount                 bigint NOT NULL CHECK (amount > 0),
  currency               char(3) NOT NULL,
  status                 text NOT NULL CHECK (status IN ('approved', 'declined', 'requires_action', 'captured', 'voided')),
  capture                boolean NOT NULL,
  captured_amount        bigint NOT NULL DEFAULT 0 CHECK (captured_amount BETWEEN 0 AND amount),
  refunded_amount        bigint NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND captured_amount),
  decline_code           text,
  card_brand             text NOT NULL,
  card_bin               char(6) NOT NULL,
  card_last4             char(4) NOT NULL,
  return_url             text,
  network_transaction_id text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS acquirer_sim.operations (
  id               text PRIMARY KEY,
  authorization_id text NOT NULL REFERENCES acquirer_sim.authorizations (id),
  type             text NOT NULL CHECK (type IN ('capture', 'refund', 'void')),
  amount           bigint NOT NULL CHECK (amount > 0),
  currency         char(3) NOT NULL,
  fee              bigint NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS operations_created_at ON acquirer_sim.operations (created_at);
CREATE TABLE IF NOT EXISTS acquirer_sim.idempotency (
  key          text PRIMARY KEY,
  request_hash text NOT NULL,
  status       integer NOT NULL,
  body         json,
  created_at   timestamptz NOT NULL DEFAULT now()
);
`;

/** Creates the simulator's tables if they are missing (serialized: two may start at once). */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('kassa_acquirer_sim_schema'))`);
    await client.query(SCHEMA_SQL);
    await client.query(BANK_SCHEMA_SQL);
    await client.query(DISPUTES_SCHEMA_SQL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export type AuthorizationStatus =
  | 'approved'
  | 'declined'
  | 'requires_action'
  | 'captured'
  | 'voided';

export interface AuthorizationRow {
  id: string;
  merchant: string;
  reference: string;
  amount: bigint;
  currency: string;
  status: AuthorizationStatus;
  capture: boolean;
  captured_amount: bigint;
  refunded_amount: bigint;
  decline_code: string | null;
  card_brand: string;
  card_bin: string;
  card_last4: string;
  return_url: string | null;
  network_transaction_id: string | null;
  /** The plan of a dispute test card (disputes.ts): its capture opens a dispute. */
  dispute_plan?: string | null;
  created_at: Date;
}

export async function insertAuthorization(
  db: Queryable,
  row: Omit<AuthorizationRow, 'created_at'>,
): Promise<AuthorizationRow> {
  const [inserted] = await query<AuthorizationRow>(
    db,
    `INSERT INTO acquirer_sim.authorizations (id, merchant, reference, amount, currency, status, capture,
       captured_amount, refunded_amount, decline_code, card_brand, card_bin, card_last4, return_url,
       network_transaction_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
    [
      row.id,
      row.merchant,
      row.reference,
      row.amount,
      row.currency,
      row.status,
      row.capture,
      row.captured_amount,
      row.refunded_amount,
      row.decline_code,
      row.card_brand,
      row.card_bin,
      row.card_last4,
      row.return_url,
      row.network_transaction_id,
    ],
  );
  return inserted as AuthorizationRow;
}

export async function loadAuthorization(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<AuthorizationRow | undefined> {
  const [row] = await query<AuthorizationRow>(
    db,
    `SELECT * FROM acquirer_sim.authorizations WHERE id = $1 ${options.forUpdate ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}

export async function updateAuthorization(
  db: Queryable,
  row: AuthorizationRow,
): Promise<AuthorizationRow> {
  const [updated] = await query<AuthorizationRow>(
    db,
    `UPDATE acquirer_sim.authorizations SET status = $2, captured_amount = $3, refunded_amount = $4,
       decline_code = $5, network_transaction_id = $6, updated_at = now() WHERE id = $1 RETURNING *`,
    [
      row.id,
      row.status,
      row.captured_amount,
      row.refunded_amount,
      row.decline_code,
      row.network_transaction_id,
    ],
  );
  return updated as AuthorizationRow;
}

export async function insertOperation(
  db: Queryable,
  op: {
    id: string;
    authorizationId: string;
    type: 'capture' | 'refund' | 'void';
    amount: bigint;
    currency: string;
    fee: bigint;
    /** By the simulator's clock: the settlement report's day follows from it. */
    createdAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO acquirer_sim.operations (id, authorization_id, type, amount, currency, fee, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [op.id, op.authorizationId, op.type, op.amount, op.currency, op.fee, op.createdAt],
  );
}
