import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { SeamError } from '../../contract/index.ts';
import { SqlRepairLedger } from '../sql/repair-ledger.ts';
import type { Dialect, Row, SqlRunner } from '../sql/repair-tables.ts';

const dialect: Dialect = {
  ts: (p) => `make_timestamp(CAST(${p} AS BIGINT) * 1000)`,
  epochMs: (e) => `epoch_ms(${e})`,
  // event_id is lowercase text; UUIDv7 text sorts like its timestamp.
  eventId: (p) => p,
  t: (table) => table,
};

/**
 * The repair ledger in the consumer's DuckDB file, on a connection of its own (DuckDB is one process, so
 * the leases are always this process's; they are kept anyway, so the code is the same as for PostgreSQL).
 * Statements run one at a time on that connection, so a transaction never interleaves with another.
 */
export class DuckDbRepairLedger extends SqlRepairLedger {
  private readonly finish: () => Promise<void>;

  constructor(conn: DuckDBConnection, readOnly = false) {
    let chain: Promise<unknown> = Promise.resolve();
    let closed = false;
    const run = async (sql: string, params: unknown[] = []): Promise<Row[]> => {
      if (closed) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb repair ledger is closed', { field: 'store' });
      try {
        const result = await conn.runAndReadAll(sql, params as DuckDBValue[]);
        return result.getRowObjects() as Row[];
      } catch (cause) {
        throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `duckdb repair ledger: ${(cause as Error).message}`, { field: 'store', cause });
      }
    };
    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = chain.then(fn);
      chain = next.catch(() => undefined);
      return next;
    };
    const runner: SqlRunner = {
      rows: (sql, params) => serial(() => run(sql, params)),
      transaction: (fn) =>
        serial(async () => {
          await run('BEGIN TRANSACTION');
          try {
            const out = await fn({ rows: run });
            await run('COMMIT');
            return out;
          } catch (err) {
            await run('ROLLBACK').catch(() => {});
            throw err;
          }
        }),
    };
    super(dialect, runner, readOnly);
    // Closing a DuckDB connection while one of its statements runs crashes the process: wait for the
    // statement in progress, refuse the ones after it, then close.
    this.finish = async () => {
      const last = chain;
      closed = true;
      await last;
      conn.closeSync();
    };
  }

  override async close(): Promise<void> {
    await this.finish();
  }
}
