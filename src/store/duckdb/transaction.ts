import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Runs `fn` inside one transaction on `conn`: committed when it resolves, rolled back when it throws (the
 * error passes on, a failed ROLLBACK does not hide it). The caller keeps the connection to itself meanwhile:
 * a statement from elsewhere on it would join the transaction.
 */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Runs `fn` inside a transaction that is always rolled back: a write tried for its errors, leaving nothing. */
export async function rolledBack(conn: DuckDBConnection, fn: () => Promise<void>): Promise<void> {
  await conn.run('BEGIN TRANSACTION');
  try {
    await fn();
  } finally {
    await conn.run('ROLLBACK').catch(() => {});
  }
}
