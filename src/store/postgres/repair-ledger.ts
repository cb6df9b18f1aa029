import type pg from 'pg';
import { pgError } from './errors.ts';
import { quoteIdent } from './schema.ts';
import { SqlRepairLedger } from '../sql/repair-ledger.ts';
import type { Dialect, Row, SqlRunner } from '../sql/repair-tables.ts';

const dialect = (schema: string): Dialect => ({
  ts: (p) => `to_timestamp(CAST(${p} AS double precision) / 1000)`,
  epochMs: (e) => `CAST(extract(epoch FROM ${e}) * 1000 AS bigint)`,
  eventId: (p) => `CAST(${p} AS uuid)`,
  t: (table) => `${quoteIdent(schema)}.${table}`,
});

/**
 * Indexes the repair queries need on the events table: gaps are looked for among the events committed
 * since the last pass (a BRIN index on committed_at, tiny because rows arrive in commit order), and a range
 * is checked by seq (a btree on camera and seq). The btree is what repair costs every insert.
 */
const eventIndexes = (schema: string) => [
  `CREATE INDEX IF NOT EXISTS events_camera_seq ON ${quoteIdent(schema)}.events (region, site, camera, seq)`,
  `CREATE INDEX IF NOT EXISTS events_committed_brin ON ${quoteIdent(schema)}.events USING brin (committed_at)`,
];

/**
 * The repair ledger in PostgreSQL, shared by every consumer on the store. Leases (repair_cameras.owner,
 * lease_until_ms) are taken with one UPDATE, whose row locks let exactly one repairer win a camera; every
 * later write checks, in its transaction, that the writer still holds the lease.
 */
export class PostgresRepairLedger extends SqlRepairLedger {
  constructor(
    pool: pg.Pool,
    private readonly schema: string,
    target: string,
    readOnly = false,
  ) {
    const rows = async (client: pg.Pool | pg.PoolClient, sql: string, params: unknown[] = []): Promise<Row[]> => {
      try {
        return (await client.query(sql, params)).rows as Row[];
      } catch (cause) {
        throw pgError('repair ledger', target, cause);
      }
    };
    const runner: SqlRunner = {
      rows: (sql, params) => rows(pool, sql, params),
      async transaction(fn) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (cause) {
          throw pgError('repair ledger', target, cause);
        }
        try {
          await rows(client, 'BEGIN');
          const out = await fn({ rows: (sql, params) => rows(client, sql, params) });
          await rows(client, 'COMMIT');
          return out;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        } finally {
          client.release();
        }
      },
    };
    super(dialect(schema), runner, readOnly);
  }

  protected override async create(tx: Pick<SqlRunner, 'rows'>): Promise<void> {
    // Two consumers starting together must not race on CREATE ... IF NOT EXISTS.
    await tx.rows(`SELECT pg_advisory_xact_lock(hashtext('seamline.repair.' || $1))`, [this.schema]);
    await super.create(tx);
    for (const statement of eventIndexes(this.schema)) await tx.rows(statement);
  }
}
