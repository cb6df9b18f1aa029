import pg from 'pg';
import { SeamError } from '../../contract/index.ts';
import {
  deadLetterSql,
  toDeadLetterRecord,
  type DeadLetterQuery,
  type DeadLetterReadout,
  type DeadLetterReader,
} from '../dead-letter-reader.ts';
import { describeTarget, pgError } from './errors.ts';
import { quoteIdent } from './schema.ts';
import type { StoreConfig } from '../config.ts';

/**
 * The `dead_letters` table in PostgreSQL, on one connection of its own that only reads: a role with SELECT on
 * that table is enough, and consumers may keep writing meanwhile.
 */
export class PostgresDeadLetterReader implements DeadLetterReader {
  readonly name = 'postgres';
  private pool: pg.Pool | undefined;
  private readonly schema: string;
  private readonly target: string;

  constructor(private readonly config: StoreConfig) {
    if (!config.url)
      throw new SeamError('SEAM_ERR_CONFIG', 'store.url is required for postgres (postgres://user:password@host:5432/db)', {
        field: 'store.url',
      });
    this.schema = config.database ?? 'public';
    try {
      quoteIdent(this.schema);
    } catch {
      throw new SeamError('SEAM_ERR_CONFIG', `store.schema must be a lowercase SQL identifier, got ${JSON.stringify(this.schema)}`, {
        field: 'store.schema',
      });
    }
    this.target = describeTarget(config.url, 'postgres');
  }

  private get table(): string {
    return `${quoteIdent(this.schema)}.dead_letters`;
  }

  async open(): Promise<void> {
    const credentials =
      this.config.username !== undefined || this.config.password !== undefined
        ? { user: this.config.username, password: this.config.password }
        : {};
    const pool = new pg.Pool({ connectionString: this.config.url, max: 1, connectionTimeoutMillis: 5_000, ...credentials });
    pool.on('error', () => {});
    let found: boolean;
    try {
      found = (await pool.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${this.schema}.dead_letters`])).rows[0].found === true;
    } catch (cause) {
      await pool.end().catch(() => {});
      throw pgError('dead-letter read', this.target, cause);
    }
    if (!found) {
      await pool.end().catch(() => {});
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `${this.target} has no table ${this.schema}.dead_letters: no consumer has opened this database yet, or --store names another`,
        {
          field: 'store',
        },
      );
    }
    this.pool = pool;
  }

  async readDeadLetters(query: DeadLetterQuery): Promise<DeadLetterReadout> {
    if (!this.pool) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'postgres dead-letter reader is not open', { field: 'store' });
    const { sql, params } = deadLetterSql(query, {
      table: this.table,
      timestamp: (param) => `(timestamptz 'epoch' + CAST(${param} AS bigint) * interval '1 millisecond')`,
      epochMs: `round(extract(epoch FROM received_at) * 1000)`,
    });
    try {
      const rows = (await this.pool.query(sql, params)).rows as Record<string, unknown>[];
      return { payloads: true, letters: rows.map((r) => toDeadLetterRecord(r, r.payload as Buffer)) };
    } catch (cause) {
      throw pgError('dead-letter read', this.target, cause);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}
