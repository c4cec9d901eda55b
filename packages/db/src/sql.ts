import pg from 'pg';

/** Anything that runs a query: a pool, a client, a transaction. */
export interface Queryable {
  query: pg.ClientBase['query'];
}

const INT8 = 20;

/** The ledger reads bigint columns as bigint: money and positions never pass through a float. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function query<Row extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const result = await db.query<Row>({ text, values, types });
  return result.rows;
}
