import { existsSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDBBlobValue } from '@duckdb/node-api';
import { isSeamError, SeamError } from '../../contract/index.ts';
import { DuckDbStore } from './store.ts';
import {
  deadLetterSql,
  toDeadLetterRecord,
  type DeadLetterQuery,
  type DeadLetterReadout,
  type DeadLetterReader,
} from '../dead-letter-reader.ts';
import { duckdbPath, type StoreConfig } from '../config.ts';

/**
 * The `dead_letters` table of a DuckDB file, opened read-only through the store itself (DuckDbStore with
 * readOnly). DuckDB lets one process open a file read-write and then no other may open it at all, so the
 * file must not be held by a running consumer (or `seamline start`): that is said plainly, not retried.
 */
export class DuckDbDeadLetterReader implements DeadLetterReader {
  readonly name = 'duckdb';
  private store: DuckDbStore | undefined;
  private conn: DuckDBConnection | undefined;
  private readonly path: string;

  constructor(private readonly config: StoreConfig) {
    this.path = duckdbPath(config);
  }

  async open(): Promise<void> {
    // Checked here, not left to DuckDB: opening a path that is not there would create its folder first.
    if (this.path !== ':memory:' && !existsSync(this.path)) {
      throw new SeamError('SEAM_ERR_CONFIG', `there is no DuckDB file at ${this.path}: a consumer (or seamline start) creates it`, {
        field: 'store',
      });
    }
    const store = new DuckDbStore({ path: this.path, retentionDays: this.config.retentionDays, readOnly: true });
    try {
      await store.open();
    } catch (err) {
      throw this.explain(err);
    }
    this.store = store;
    this.conn = await store.connect();
  }

  /** DuckDB's words for a file another process holds, turned into what to do about it. */
  private explain(err: unknown): unknown {
    const message = err instanceof Error ? err.message : String(err);
    if (/Could not set lock on file/i.test(message)) {
      const holder = /Conflicting lock is held in (\S+) \(PID (\d+)\)/.exec(message);
      return new SeamError(
        'SEAM_ERR_STORE_UNAVAILABLE',
        `DuckDB file ${this.path} is open in another process${holder ? `, ${holder[1]} PID ${holder[2]}` : ''} (a running consumer or seamline start): ` +
          'DuckDB lets no other process read a file while one writes it. Stop that process (its broker session keeps ' +
          'what arrives meanwhile) and run this again (docs/consumer.md#dead-letters)',
        { field: 'store', cause: err },
      );
    }
    return isSeamError(err)
      ? err
      : new SeamError('SEAM_ERR_CONFIG', `cannot open DuckDB file ${this.path}: ${message}`, { field: 'store', cause: err });
  }

  async readDeadLetters(query: DeadLetterQuery): Promise<DeadLetterReadout> {
    if (!this.conn) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb dead-letter reader is not open', { field: 'store' });
    const { sql, params } = deadLetterSql(query, {
      table: 'dead_letters',
      timestamp: (param) => `make_timestamp(CAST(${param} AS BIGINT) * 1000)`,
      epochMs: 'epoch_ms(received_at)',
    });
    let rows: Record<string, unknown>[];
    try {
      rows = (await this.conn.runAndReadAll(sql, params)).getRowObjects() as Record<string, unknown>[];
    } catch (cause) {
      throw new SeamError('SEAM_ERR_CONFIG', `cannot read dead_letters from DuckDB file ${this.path}: ${(cause as Error).message}`, {
        field: 'store',
        cause,
      });
    }
    const letters = rows.map((r) => toDeadLetterRecord(r, Buffer.from((r.payload as DuckDBBlobValue).bytes)));
    return { payloads: true, letters };
  }

  async close(): Promise<void> {
    this.conn?.closeSync();
    this.conn = undefined;
    await this.store?.close();
    this.store = undefined;
  }
}
