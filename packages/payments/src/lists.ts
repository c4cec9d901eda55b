import { type Queryable, query } from '@kassa/db';

export interface PageRequest {
  limit: number;
  starting_after?: string;
  ending_before?: string;
  created?: { gt?: number; gte?: number; lt?: number; lte?: number };
}

/**
 * One page of a merchant's objects, newest first, by keyset on (created_at, id), so pages stay
 * stable while new objects arrive. `starting_after` gives the page after an object,
 * `ending_before` the one before it; `hasMore` says whether another page exists that way.
 * `filters` are SQL conditions with `?` for their one value (each `?` is that value), or none; `cursor`
 * loads the cursor object (scoped to the merchant: another merchant's id is a 404).
 */
export async function keysetPage<Row extends { id: string; created_at: Date }>(
  db: Queryable,
  options: {
    table: string;
    columns: string;
    filters: Array<[sql: string, value?: unknown]>;
    page: PageRequest;
    cursor: (id: string) => Promise<{ id: string; created_at: Date }>;
  },
): Promise<{ rows: Row[]; hasMore: boolean }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    if (!sql.includes('?')) {
      where.push(sql);
      return;
    }
    values.push(value);
    where.push(sql.replaceAll('?', `$${values.length}`));
  };
  for (const [sql, value] of options.filters) add(sql, value);
  const { page } = options;
  const created = page.created ?? {};
  if (created.gt !== undefined) add('created_at > to_timestamp(?)', created.gt);
  if (created.gte !== undefined) add('created_at >= to_timestamp(?)', created.gte);
  if (created.lt !== undefined) add('created_at < to_timestamp(?)', created.lt);
  if (created.lte !== undefined) add('created_at <= to_timestamp(?)', created.lte);

  const cursorId = page.starting_after ?? page.ending_before;
  const backwards = page.ending_before !== undefined;
  if (cursorId) {
    const cursor = await options.cursor(cursorId);
    values.push(cursor.created_at, cursor.id);
    const pair = `($${values.length - 1}::timestamptz, $${values.length})`;
    where.push(backwards ? `(created_at, id) > ${pair}` : `(created_at, id) < ${pair}`);
  }
  values.push(page.limit + 1);
  const order = backwards ? 'ASC' : 'DESC';
  const rows = await query<Row>(
    db,
    `SELECT ${options.columns} FROM ${options.table} WHERE ${where.join(' AND ')}
      ORDER BY created_at ${order}, id ${order} LIMIT $${values.length}`,
    values,
  );
  const hasMore = rows.length > page.limit;
  const data = rows.slice(0, page.limit);
  if (backwards) data.reverse();
  return { rows: data, hasMore };
}
