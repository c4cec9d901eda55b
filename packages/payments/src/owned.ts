import { type Queryable, query } from '@kassa/db';
import type { QueryResultRow } from 'pg';
import type { Principal } from './context.ts';
import { notFound } from './errors.ts';

/**
 * The row `id` of `table` that belongs to the principal's merchant and mode, or a 404 naming
 * `what`: another merchant's object (or the other mode's) looks exactly like one that does not
 * exist. `forUpdate` locks the row for the rest of the transaction, so two requests changing one
 * object take turns; `forShare` only keeps it from changing (another object naming it, while it
 * is deleted); `param` names the input the id came from in the 404.
 */
export async function loadOwned<Row extends QueryResultRow>(
  db: Queryable,
  principal: Pick<Principal, 'merchantId' | 'livemode'>,
  source: { table: string; columns: string; what: string },
  id: string,
  options: { forUpdate?: boolean; forShare?: boolean; param?: string } = {},
): Promise<Row> {
  const lock = options.forUpdate ? 'FOR UPDATE' : options.forShare ? 'FOR SHARE' : '';
  const [row] = await query<Row>(
    db,
    `SELECT ${source.columns} FROM ${source.table}
      WHERE id = $1 AND merchant_id = $2 AND livemode = $3 ${lock}`,
    [id, principal.merchantId, principal.livemode],
  );
  if (!row) throw notFound(source.what, id, options.param);
  return row;
}
