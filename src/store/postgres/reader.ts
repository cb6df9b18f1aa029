import type pg from 'pg';
import { SeamError } from '../../contract/index.ts';
import { pgError } from './errors.ts';
import { quoteIdent } from './schema.ts';
import type { StoreCapabilities } from '../capabilities.ts';
import { emptyCameraRow, type AlertCounts, type CameraRow, type StoreReader } from '../reader.ts';
import type { CameraClassRow, ClassRow, LatencyRow, MinuteRow, SeqGapRow, Totals } from '../reader.ts';
import { SqlPanelReader } from '../sql/panel-sql.ts';
import { withClockOffsets, type ClockOffsetRow } from '../clock-offsets.ts';
import { num, toCameraClassRow, toCameraRow, toClassRow, toMinuteRow, toSeqGapRow } from '../sql/rows.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** Epoch milliseconds of a timestamptz, independent of the session's TimeZone. */
const epochMs = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;

/**
 * The dashboard's and the alert rules' queries on PostgreSQL, with the same semantics as
 * store/duckdb/reader.ts: windows are [from, to) on captured_at, percentiles are continuous (percentile_cont =
 * DuckDB's quantile_cont). The store (store.ts) declares them among its capabilities.
 */
export abstract class PostgresReader implements StoreReader, AlertCounts {
  abstract readonly capabilities: StoreCapabilities;
  private readPool: pg.Pool | undefined;
  protected schemaName = 'public';
  protected target = 'postgres';

  protected attachReader(pool: pg.Pool): void {
    this.readPool = pool;
  }

  protected detachReader(): void {
    this.readPool = undefined;
  }

  protected t(table: string): string {
    return `${quoteIdent(this.schemaName)}.${table}`;
  }

  /** The dashboard's panels over the rollups, which PostgreSQL keeps up to date in each batch's statement. */
  protected readonly panels = new SqlPanelReader({
    table: (name) => this.t(name),
    epochMs: (column) => `(extract(epoch FROM ${column}) * 1000)::bigint`,
    timestamp: (param) => `to_timestamp(CAST(${param} AS BIGINT) / 1000.0)`,
    source: (table) => table,
    oneRowPerKey: true,
    rows: (sql, params) => this.rows(sql, [...params]),
    body: (value) => (typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown>)),
  });

  private async rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    if (!this.readPool) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'postgres store is not open', { field: 'store' });
    try {
      return (await this.readPool.query(sql, params)).rows as Record<string, unknown>[];
    } catch (cause) {
      throw pgError('query', this.target, cause);
    }
  }

  async perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]> {
    const rows = await this.rows(
      `SELECT region, site, camera, floor(extract(epoch FROM captured_at) / 60)::bigint * 60000 AS minute,
              count(*) AS events, sum(detections) AS detections
       FROM ${this.t('events')} WHERE captured_at >= $1 AND captured_at < $2
       GROUP BY 1, 2, 3, 4 ORDER BY minute, region, site, camera`,
      [iso(fromMs), iso(toMs)],
    );
    return rows.map(toMinuteRow);
  }

  async cameras(nowMs = Date.now()): Promise<CameraRow[]> {
    const [rows, offsets] = await Promise.all([
      this.rows(
        `WITH e AS (SELECT region, site, camera, count(*) AS events, sum(detections) AS detections,
                           ${epochMs('max(captured_at)')} AS last_event FROM ${this.t('events')} GROUP BY 1, 2, 3)
         SELECT coalesce(e.region, s.region) AS region, coalesce(e.site, s.site) AS site,
                coalesce(e.camera, s.camera) AS camera, s.state, ${epochMs('s.received_at')} AS status_at, s.body,
                e.last_event, coalesce(e.events, 0) AS events, coalesce(e.detections, 0) AS detections
         FROM e FULL OUTER JOIN ${this.t('camera_status')} s USING (region, site, camera)
         ORDER BY 1, 2, 3`,
      ),
      this.clockOffsets(nowMs),
    ]);
    return withClockOffsets(
      rows.map((r) => toCameraRow(r, (r.body ?? {}) as Record<string, unknown>)),
      offsets,
      emptyCameraRow,
    );
  }

  clockOffsets(nowMs = Date.now()): Promise<ClockOffsetRow[]> {
    return this.panels.clockOffsets(nowMs);
  }

  async classes(fromMs: number, toMs: number): Promise<ClassRow[]> {
    const rows = await this.rows(
      `SELECT class, count(*) AS detections FROM ${this.t('detections')}
       WHERE captured_at >= $1 AND captured_at < $2 GROUP BY class ORDER BY detections DESC, class`,
      [iso(fromMs), iso(toMs)],
    );
    return rows.map(toClassRow);
  }

  async latency(fromMs: number, toMs: number): Promise<LatencyRow> {
    const inference = `${epochMs('inferred_at')} - ${epochMs('captured_at')}`;
    const lag = `${epochMs('committed_at')} - ${epochMs('captured_at')}`;
    const [r] = await this.rows(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ${inference}) AS inf50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ${inference}) AS inf99,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${lag}) AS lag50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ${lag}) AS lag99
       FROM ${this.t('events')} WHERE captured_at >= $1 AND captured_at < $2`,
      [iso(fromMs), iso(toMs)],
    );
    // Float noise from epoch arithmetic (40.000000001) would break exact comparisons; the inputs are whole ms.
    const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
    return { inferenceP50Ms: round(r?.inf50), inferenceP99Ms: round(r?.inf99), lagP50Ms: round(r?.lag50), lagP99Ms: round(r?.lag99) };
  }

  async seqGaps(fromMs: number, toMs: number): Promise<SeqGapRow[]> {
    const rows = await this.rows(
      `SELECT region, site, camera, max(seq) - min(seq) + 1 - count(DISTINCT seq) AS missing
       FROM ${this.t('events')} WHERE captured_at >= $1 AND captured_at < $2
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [iso(fromMs), iso(toMs)],
    );
    return rows.map(toSeqGapRow);
  }

  async deadLetterCount(fromMs: number, toMs: number): Promise<number> {
    const [r] = await this.rows(`SELECT count(*) AS n FROM ${this.t('dead_letters')} WHERE received_at >= $1 AND received_at < $2`, [
      iso(fromMs),
      iso(toMs),
    ]);
    return num(r?.n);
  }

  async classesPerCamera(fromMs: number, toMs: number): Promise<CameraClassRow[]> {
    const rows = await this.rows(
      `SELECT region, site, camera, class, count(*) AS detections FROM ${this.t('detections')}
       WHERE captured_at >= $1 AND captured_at < $2 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      [iso(fromMs), iso(toMs)],
    );
    return rows.map(toCameraClassRow);
  }

  async totals(): Promise<Totals> {
    const [r] = await this.rows(
      `SELECT (SELECT count(*) FROM ${this.t('events')}) AS events,
              (SELECT coalesce(sum(detections), 0) FROM ${this.t('events')}) AS detections,
              (SELECT count(*) FROM ${this.t('dead_letters')}) AS dead_letters`,
    );
    return { events: num(r?.events), detections: num(r?.detections), deadLetters: num(r?.dead_letters) };
  }
}
