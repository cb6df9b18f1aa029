import { DuckDBTimestampValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { SeamError } from '../../contract/index.ts';
import type { StoreCapabilities } from '../capabilities.ts';
import { emptyCameraRow, type AlertCounts, type CameraRow, type StoreReader } from '../reader.ts';
import type { CameraClassRow, ClassRow, LatencyRow, MinuteRow, SeqGapRow, Totals } from '../reader.ts';
import { SqlPanelReader } from '../sql/panel-sql.ts';
import { withClockOffsets, type ClockOffsetRow } from '../clock-offsets.ts';
import { num, numOrNull, toCameraClassRow, toCameraRow, toClassRow, toMinuteRow, toSeqGapRow } from '../sql/rows.ts';

/** Epoch milliseconds as a DuckDB TIMESTAMP (microseconds). */
export const ts = (ms: number) => new DuckDBTimestampValue(BigInt(ms) * 1000n);

/**
 * The dashboard's and the alert rules' queries on DuckDB, on a connection of their own so they never wait on
 * a write transaction. The store (store.ts) declares them among its capabilities.
 */
export abstract class DuckDbReader implements StoreReader, AlertCounts {
  abstract readonly capabilities: StoreCapabilities;
  private reader: DuckDBConnection | undefined;

  protected attachReader(conn: DuckDBConnection): void {
    this.reader = conn;
  }

  protected detachReader(): DuckDBConnection | undefined {
    const r = this.reader;
    this.reader = undefined;
    return r;
  }

  private async rows(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<Record<string, unknown>[]> {
    if (!this.reader) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb store is not open', { field: 'store' });
    const result = await this.reader.runAndReadAll(sql, params);
    return result.getRowObjects() as Record<string, unknown>[];
  }

  /** The dashboard's panels over the rollups; rows not yet compacted are read from the journals. */
  protected readonly panels = new SqlPanelReader({
    table: (name) => name,
    epochMs: (column) => `epoch_ms(${column})`,
    timestamp: (param) => `make_timestamp(CAST(${param} AS BIGINT) * 1000)`,
    source: (table, journal, stepMs, columns) =>
      `(SELECT ${columns.join(', ')} FROM ${table} UNION ALL SELECT period - period % ${stepMs} AS period, ${columns.slice(1).join(', ')} FROM ${journal}) src`,
    rows: (sql, params) => this.rows(sql, [...params]),
    body: (value) => JSON.parse(String(value)) as Record<string, unknown>,
  });

  async perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]> {
    const rows = await this.rows(
      `SELECT region, site, camera, epoch_ms(date_trunc('minute', captured_at)) AS minute,
              count(*) AS events, sum(detections) AS detections
       FROM events WHERE captured_at >= $from AND captured_at < $to
       GROUP BY ALL ORDER BY minute, region, site, camera`,
      { from: ts(fromMs), to: ts(toMs) },
    );
    return rows.map(toMinuteRow);
  }

  async cameras(nowMs = Date.now()): Promise<CameraRow[]> {
    const [rows, offsets] = await Promise.all([
      this.rows(
        `WITH e AS (SELECT region, site, camera, count(*) AS events, sum(detections) AS detections,
                           epoch_ms(max(captured_at)) AS last_event FROM events GROUP BY ALL)
         SELECT coalesce(e.region, s.region) AS region, coalesce(e.site, s.site) AS site,
                coalesce(e.camera, s.camera) AS camera, s.state, epoch_ms(s.received_at) AS status_at, s.body,
                e.last_event, coalesce(e.events, 0) AS events, coalesce(e.detections, 0) AS detections
         FROM e FULL OUTER JOIN camera_status s USING (region, site, camera)
         ORDER BY region, site, camera`,
      ),
      this.clockOffsets(nowMs),
    ]);
    return withClockOffsets(
      rows.map((r) => toCameraRow(r, r.body ? (JSON.parse(String(r.body)) as Record<string, unknown>) : {})),
      offsets,
      emptyCameraRow,
    );
  }

  clockOffsets(nowMs = Date.now()): Promise<ClockOffsetRow[]> {
    return this.panels.clockOffsets(nowMs);
  }

  async classes(fromMs: number, toMs: number): Promise<ClassRow[]> {
    const rows = await this.rows(
      `SELECT class, count(*) AS detections FROM detections
       WHERE captured_at >= $from AND captured_at < $to GROUP BY class ORDER BY detections DESC, class`,
      { from: ts(fromMs), to: ts(toMs) },
    );
    return rows.map(toClassRow);
  }

  async latency(fromMs: number, toMs: number): Promise<LatencyRow> {
    const [r] = await this.rows(
      `SELECT quantile_cont(epoch_ms(inferred_at) - epoch_ms(captured_at), 0.5) AS inf50,
              quantile_cont(epoch_ms(inferred_at) - epoch_ms(captured_at), 0.99) AS inf99,
              quantile_cont(epoch_ms(committed_at) - epoch_ms(captured_at), 0.5) AS lag50,
              quantile_cont(epoch_ms(committed_at) - epoch_ms(captured_at), 0.99) AS lag99
       FROM events WHERE captured_at >= $from AND captured_at < $to`,
      { from: ts(fromMs), to: ts(toMs) },
    );
    return {
      inferenceP50Ms: numOrNull(r?.inf50),
      inferenceP99Ms: numOrNull(r?.inf99),
      lagP50Ms: numOrNull(r?.lag50),
      lagP99Ms: numOrNull(r?.lag99),
    };
  }

  async seqGaps(fromMs: number, toMs: number): Promise<SeqGapRow[]> {
    const rows = await this.rows(
      `SELECT region, site, camera, max(seq) - min(seq) + 1 - count(DISTINCT seq) AS missing
       FROM events WHERE captured_at >= $from AND captured_at < $to
       GROUP BY ALL ORDER BY region, site, camera`,
      { from: ts(fromMs), to: ts(toMs) },
    );
    return rows.map(toSeqGapRow);
  }

  async deadLetterCount(fromMs: number, toMs: number): Promise<number> {
    const [r] = await this.rows(`SELECT count(*) AS n FROM dead_letters WHERE received_at >= $from AND received_at < $to`, {
      from: ts(fromMs),
      to: ts(toMs),
    });
    return num(r?.n);
  }

  async classesPerCamera(fromMs: number, toMs: number): Promise<CameraClassRow[]> {
    const rows = await this.rows(
      `SELECT region, site, camera, class, count(*) AS detections FROM detections
       WHERE captured_at >= $from AND captured_at < $to GROUP BY ALL ORDER BY region, site, camera, class`,
      { from: ts(fromMs), to: ts(toMs) },
    );
    return rows.map(toCameraClassRow);
  }

  async totals(): Promise<Totals> {
    const [r] = await this.rows(
      `SELECT (SELECT count(*) FROM events) AS events, (SELECT coalesce(sum(detections), 0) FROM events) AS detections,
              (SELECT count(*) FROM dead_letters) AS dead_letters`,
    );
    return { events: num(r?.events), detections: num(r?.detections), deadLetters: num(r?.dead_letters) };
  }
}
