import type pg from 'pg';

/** A connection inside an open transaction. */
export type Transaction = pg.PoolClient;

/**
 * Runs `work` in one transaction on a pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws (the error is rethrown unchanged). A connection whose ROLLBACK fails is destroyed
 * rather than returned to the pool.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackError) {
      client.release(rollbackError as Error);
    }
    throw error;
  }
}
