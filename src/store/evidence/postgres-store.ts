import pg from 'pg';
import { SeamError, type Evidence } from '../../contract/index.ts';
import { describeTarget, pgError } from '../postgres/errors.ts';
import { quoteIdent } from '../postgres/schema.ts';
import { checkFilter } from './evidence-filter.ts';
import type { EvidenceEntry, EvidenceFilter, EvidenceRetention, EvidenceStore, EvidenceTotals, ImageStreamGaps } from './evidence-store.ts';
import { evidenceDdl, HEADER_COLUMNS, headerOf, imageGapsSql, insertSql, insertValues, pruneSql } from './postgres-sql.ts';

/** PostgreSQL's SQLSTATE for a relation that does not exist. */
const UNDEFINED_TABLE = '42P01';

export interface PostgresEvidenceStoreOptions {
  /** `postgres://user:password@host:5432/db`, the detection store's. */
  url: string;
  /** Schema of the `evidence` table (created when missing), default `public`. */
  schema?: string;
  /** Rows one prune statement removes at most (default 500): a prune never holds long locks or a huge WAL record. */
  pruneBatch?: number;
  /** Connections in the pool (default 4). */
  poolSize?: number;
  /**
   * Only read (the dashboard, the export): open creates and migrates nothing (a read-only role is enough),
   * a missing table reads as no images (no consumer has created it yet), put and prune are refused.
   */
  readOnly?: boolean;
}

/**
 * The evidence store for the distributed shape: one `evidence` table in the detection store's database,
 * shared by every consumer. A put is one INSERT ... ON CONFLICT (event_id) DO NOTHING, one transaction, so
 * a crash leaves the row whole or absent, and two consumers handed the same image store it once. The same
 * statement counts a newly stored image in its stream's row of `evidence_image_streams` (postgres-sql.ts
 * insertSql), which prune never touches.
 */
export class PostgresEvidenceStore implements EvidenceStore {
  readonly name = 'evidence-postgres';
  private pool: pg.Pool | undefined;
  private readonly table: string;
  private readonly streams: string;
  private readonly target: string;

  constructor(private readonly options: PostgresEvidenceStoreOptions) {
    const schema = options.schema ?? 'public';
    try {
      this.table = `${quoteIdent(schema)}.evidence`;
      this.streams = `${quoteIdent(schema)}.evidence_image_streams`;
    } catch {
      throw new SeamError('SEAM_ERR_CONFIG', `store.schema must be a lowercase SQL identifier, got ${JSON.stringify(schema)}`, {
        field: 'store.schema',
      });
    }
    this.target = describeTarget(options.url, 'postgres');
  }

  async open(): Promise<void> {
    const pool = new pg.Pool({ connectionString: this.options.url, connectionTimeoutMillis: 5_000, max: this.options.poolSize ?? 4 });
    pool.on('error', () => {}); // an idle connection the server dropped; the next query reconnects
    const schema = this.options.schema ?? 'public';
    if (this.options.readOnly) {
      try {
        await pool.query('SELECT 1');
      } catch (cause) {
        await pool.end().catch(() => {});
        throw pgError('open evidence', this.target, cause);
      }
      this.pool = pool;
      return;
    }
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Consumers starting together must not race on CREATE ... IF NOT EXISTS: the detection store's lock
        // (postgres/schema.ts), since both create the schema and each consumer opens both at once.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('seamline.schema.' || $1))`, [schema]);
        for (const sql of evidenceDdl(this.table, this.streams, schema)) await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    } catch (cause) {
      await pool.end().catch(() => {});
      throw pgError('open evidence', this.target, cause);
    }
    this.pool = pool;
  }

  async put({ header, image }: Evidence, receivedAt: Date): Promise<'stored' | 'duplicate'> {
    this.refuseReadOnly('put');
    const { rows } = await this.query('evidence put', insertSql(this.table, this.streams), insertValues(header, image, receivedAt));
    return rows[0]?.stored === 1 ? 'stored' : 'duplicate';
  }

  async get(eventId: string): Promise<(Evidence & { receivedAt: Date }) | null> {
    // Not a UUID cannot be stored: answer "none" instead of letting the uuid cast raise.
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventId)) return null;
    const { rows } = await this.query('evidence get', `SELECT ${HEADER_COLUMNS}, image FROM ${this.table} WHERE event_id = $1`, [eventId]);
    if (rows.length === 0) return null;
    return { header: headerOf(rows[0]), image: rows[0].image as Buffer, receivedAt: rows[0].received_at as Date };
  }

  async list(filter?: EvidenceFilter): Promise<EvidenceEntry[]> {
    const f = checkFilter(filter);
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.cameras) {
      params.push([...f.cameras]);
      where.push(`region || '/' || site || '/' || camera = ANY($${params.length}::text[])`);
    }
    if (Number.isFinite(f.fromMs)) where.push(`captured_at >= $${params.push(new Date(f.fromMs))}`);
    if (Number.isFinite(f.toMs)) where.push(`captured_at < $${params.push(new Date(f.toMs))}`);
    params.push(f.limit);
    const sql = `SELECT ${HEADER_COLUMNS} FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY captured_at DESC, event_id DESC LIMIT $${params.length}`;
    const { rows } = await this.query('evidence list', sql, params);
    return rows.map((row) => ({ header: headerOf(row), receivedAt: row.received_at as Date }));
  }

  async prune(retention: EvidenceRetention, nowMs: number): Promise<EvidenceTotals> {
    this.refuseReadOnly('prune');
    const removed: EvidenceTotals = { images: 0, bytes: 0 };
    const cutoff = new Date(retention.maxAgeMs === undefined ? 0 : nowMs - retention.maxAgeMs);
    const batch = this.options.pruneBatch ?? 500;
    for (;;) {
      // The excess is measured again before each batch: other consumers keep storing and pruning meanwhile.
      const excess = retention.maxBytes === undefined ? 0 : Math.max(0, (await this.stats()).bytes - retention.maxBytes);
      const { rows } = await this.query('evidence prune', pruneSql(this.table), [cutoff, excess, batch]);
      removed.images += rows.length;
      for (const row of rows) removed.bytes += row.bytes as number;
      if (rows.length < batch) return removed;
    }
  }

  async stats(): Promise<EvidenceTotals> {
    const { rows } = await this.query('evidence stats', `SELECT count(*) AS images, coalesce(sum(bytes), 0) AS bytes FROM ${this.table}`);
    return { images: Number(rows[0]?.images ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }

  async imageGaps(): Promise<ImageStreamGaps[]> {
    const { rows } = await this.query('evidence image gaps', imageGapsSql(this.streams));
    return rows.map((row) => {
      const newest = Number(row.newest);
      const received = Number(row.received);
      return {
        region: row.region,
        site: row.site,
        camera: row.camera,
        stream: row.stream,
        newest,
        received,
        missing: newest + 1 - received,
      };
    });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private async query(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    if (!this.pool) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `${what}: the evidence store is not open`, { field: 'store' });
    try {
      return await this.pool.query(sql, params);
    } catch (cause) {
      // Read-only, the table is the consumer's to create: until it has, there are no images.
      if (this.options.readOnly && (cause as { code?: string }).code === UNDEFINED_TABLE)
        return { rows: [], rowCount: 0 } as unknown as pg.QueryResult;
      throw pgError(what, this.target, cause);
    }
  }

  private refuseReadOnly(what: string): void {
    if (this.options.readOnly) {
      throw new SeamError('SEAM_ERR_CONFIG', `evidence ${what}: this evidence store was opened read-only`, { field: 'store.readOnly' });
    }
  }
}
