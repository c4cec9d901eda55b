import { idSchema } from '@kassa/contracts';
import { newApiKey, type Transaction, withTransaction } from '@kassa/db';
import { invalidRequest, notFound } from '@kassa/payments';
import { z } from 'zod';
import { router } from '../init.ts';
import { type DashboardPrincipal, dashboardProcedureWith, noInput } from '../procedures.ts';

/** An API key as the dashboard lists it: never the key, only its first characters. */
export interface ApiKeyView {
  id: string;
  object: 'api_key';
  name: string | null;
  type: 'secret' | 'publishable';
  livemode: boolean;
  /** `sk_test_AbC123`: enough to tell keys apart. */
  redacted: string;
  created: number;
  last_used: number | null;
  /** When a rolled key stops working (null: it does not expire). */
  expires_at: number | null;
  revoked: boolean;
}

interface ApiKeyRow {
  id: string;
  name: string | null;
  kind: 'secret' | 'publishable';
  mode: 'test' | 'live';
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const seconds = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : null);

const view = (row: ApiKeyRow, now: Date): ApiKeyView => ({
  id: row.id,
  object: 'api_key',
  name: row.name,
  type: row.kind,
  livemode: row.mode === 'live',
  redacted: `${row.prefix}…`,
  created: seconds(row.created_at) as number,
  last_used: seconds(row.last_used_at),
  expires_at: seconds(row.expires_at),
  revoked: row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now),
});

const COLUMNS = 'id, name, kind, mode, prefix, created_at, last_used_at, expires_at, revoked_at';
const modeOf = (principal: DashboardPrincipal) => (principal.livemode ? 'live' : 'test');

const keyId = idSchema('apiKey');
const name = z.string().trim().min(1).max(100);

/** A key of this merchant and mode that still works, locked for the change; else a 404. */
async function liveKey(
  db: Transaction,
  principal: DashboardPrincipal,
  id: string,
  now: Date,
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys
      WHERE id = $1 AND merchant_id = $2 AND mode = $3 AND revoked_at IS NULL
        AND (expires_at IS NULL OR expires_at > $4)
      FOR UPDATE`,
    [id, principal.merchantId, modeOf(principal), now],
  );
  const row = rows[0];
  if (!row) throw notFound('api_key', id);
  return row;
}

/** Inserts a new key in `tx` and returns it with its secret (the one time it is seen). */
async function insertKey(
  tx: Transaction,
  principal: DashboardPrincipal,
  kind: ApiKeyRow['kind'],
  keyName: string | null,
  now: Date,
) {
  const { secret, id, prefix, hash } = newApiKey(kind, modeOf(principal));
  const { rows } = await tx.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, merchant_id, kind, mode, prefix, hash, name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [id, principal.merchantId, kind, modeOf(principal), prefix, hash, keyName, now],
  );
  return { ...view(rows[0] as ApiKeyRow, now), secret };
}

/**
 * The merchant's API keys in the mode shown: list, create (the key is in the answer, once;
 * only its hash is kept), roll (a new key of the same kind and name; the old one works for up to
 * a week more, so the new one can be deployed first), revoke (at once).
 */
export const dashboardApiKeysRouter = router({
  list: dashboardProcedureWith('developers.read')
    .input(noInput)
    .query(async ({ ctx }) => {
      const now = ctx.services.clock.now();
      const { rows } = await ctx.db.pool.query<ApiKeyRow>(
        `SELECT ${COLUMNS} FROM api_keys WHERE merchant_id = $1 AND mode = $2
          ORDER BY (revoked_at IS NOT NULL OR expires_at <= $3), created_at DESC, id DESC
          LIMIT 200`,
        [ctx.principal.merchantId, modeOf(ctx.principal), now],
      );
      return { object: 'list' as const, data: rows.map((row) => view(row, now)), has_more: false };
    }),
  create: dashboardProcedureWith('keys.manage')
    .input(z.object({ name, type: z.enum(['secret', 'publishable']).default('secret') }).strict())
    .mutation(({ ctx, input }) => {
      const now = ctx.services.clock.now();
      return withTransaction(ctx.db.pool, (tx) =>
        insertKey(tx, ctx.principal, input.type, input.name, now),
      );
    }),
  roll: dashboardProcedureWith('keys.manage')
    .input(
      z
        .object({
          id: keyId,
          /** How long the old key keeps working: 0 (stops now) to 168 hours. */
          expires_in_hours: z.number().int().min(0).max(168).default(24),
        })
        .strict(),
    )
    .mutation(({ ctx, input }) => {
      const now = ctx.services.clock.now();
      // One transaction: the old key never gets an expiry without its replacement existing.
      return withTransaction(ctx.db.pool, async (tx) => {
        const old = await liveKey(tx, ctx.principal, input.id, now);
        if (old.expires_at !== null) {
          throw invalidRequest(
            'api_key_rolled',
            'This key was rolled already and is expiring; roll its replacement instead.',
            'id',
          );
        }
        const expiresAt = new Date(now.getTime() + input.expires_in_hours * 3_600_000);
        const { rows } = await tx.query<ApiKeyRow>(
          `UPDATE api_keys SET expires_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
          [old.id, expiresAt],
        );
        const created = await insertKey(tx, ctx.principal, old.kind, old.name, now);
        return { ...created, rolled: view(rows[0] as ApiKeyRow, now) };
      });
    }),
  revoke: dashboardProcedureWith('keys.manage')
    .input(z.object({ id: keyId }).strict())
    .mutation(async ({ ctx, input }) => {
      const now = ctx.services.clock.now();
      const row = await withTransaction(ctx.db.pool, async (tx) => {
        await liveKey(tx, ctx.principal, input.id, now);
        const { rows } = await tx.query<ApiKeyRow>(
          `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
          [input.id, now],
        );
        return rows[0] as ApiKeyRow;
      });
      return view(row, now);
    }),
});
