import type {
  CameraDetectionRow,
  ClassPeriodRow,
  ConsumerRow,
  CountRow,
  HeartbeatRow,
  HistogramRow,
  PanelDialect,
  PanelQuery,
  PanelReader,
  PercentileRow,
  PeriodCount,
  StatusChange,
  WindowBucketRow,
} from '../panel-reader.ts';
import type { ClockOffsetRow } from '../clock-offsets.ts';
import type { CameraRow } from '../reader.ts';
import { CLASSES, CONSUMERS, COUNTS, HEARTBEATS, keyNames, mergeExpression, type RollupTable } from '../rollups/schema.ts';
import { num } from './rows.ts';
import { cameraList, clockOffsets } from './panel-cameras.ts';
import { histograms, percentiles, windowBuckets } from './panel-histograms.ts';
import { inList, levelSource, Params, where } from './panel-where.ts';

const str = (v: unknown) => String(v);

/** PanelReader over any SQL store that keeps the rollup tables. */
export class SqlPanelReader implements PanelReader {
  /** `d` is public so that other readers over the same store (sql/shift-sql.ts) speak its dialect. */
  constructor(readonly d: PanelDialect) {}

  private from(t: RollupTable, stepMs: number): string {
    return levelSource(this.d, t, stepMs);
  }

  /**
   * A read of `t` grouped by its whole key (selected first, in key order): the `picked` measures, each as `[name,
   * alias]`, merged by their rule, and the GROUP BY. Where the store keeps one row per key (`oneRowPerKey`) the
   * measures are read as they are, with no aggregate: over a day of fifty cameras on PostgreSQL that took the
   * server's part of the counts from 21 to 8 ms (docs/dashboard.md).
   */
  private byWholeKey(t: RollupTable, picked: readonly (readonly [string, string])[]): { measures: string; group: string } {
    const measure = (name: string) => t.measures.find((m) => m.name === name)!;
    const measures = picked.map(([name, alias]) => `${this.d.oneRowPerKey ? name : mergeExpression(measure(name))} AS ${alias}`);
    const group = this.d.oneRowPerKey
      ? ''
      : `GROUP BY ${keyNames(t)
          .map((_, i) => i + 1)
          .join(', ')}`;
    return { measures: measures.join(', '), group };
  }

  /** Every measure of `t` under its own name. */
  private allMeasures(t: RollupTable): [string, string][] {
    return t.measures.map((m) => [m.name, m.name]);
  }

  async counts(q: PanelQuery): Promise<CountRow[]> {
    const p = new Params();
    const { measures, group } = this.byWholeKey(COUNTS, this.allMeasures(COUNTS));
    const rows = await this.d.rows(
      `SELECT period, region, site, camera, ${measures}
       FROM ${this.from(COUNTS, q.stepMs)} WHERE ${where(p, q)} ${group} ORDER BY 1, 2, 3, 4`,
      p.values,
    );
    return rows.map((r) => ({
      period: num(r.period),
      region: str(r.region),
      site: str(r.site),
      camera: str(r.camera),
      events: num(r.events),
      detections: num(r.detections),
      minSeq: num(r.min_seq),
      maxSeq: num(r.max_seq),
      lastCaptured: num(r.last_captured),
    }));
  }

  async classes(q: PanelQuery): Promise<ClassPeriodRow[]> {
    const p = new Params();
    const rows = await this.d.rows(
      `SELECT period, class, sum(detections) AS detections FROM ${this.from(CLASSES, q.stepMs)}
       WHERE ${where(p, q, { classes: true })} GROUP BY 1, 2 ORDER BY 1, 2`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), class: str(r.class), detections: num(r.detections) }));
  }

  async cameraDetections(q: PanelQuery): Promise<CameraDetectionRow[]> {
    const p = new Params();
    const rows = await this.d.rows(
      `SELECT period, region, site, camera, sum(detections) AS detections FROM ${this.from(CLASSES, q.stepMs)}
       WHERE ${where(p, q, { classes: true })} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      p.values,
    );
    return rows.map((r) => ({
      period: num(r.period),
      region: str(r.region),
      site: str(r.site),
      camera: str(r.camera),
      detections: num(r.detections),
    }));
  }

  histograms(q: PanelQuery): Promise<HistogramRow[]> {
    return histograms(this.d, q);
  }

  percentiles(q: PanelQuery, asked: readonly number[]): Promise<PercentileRow[]> {
    return percentiles(this.d, q, asked);
  }

  windowBuckets(q: PanelQuery): Promise<WindowBucketRow[]> {
    return windowBuckets(this.d, q);
  }

  async heartbeats(q: PanelQuery): Promise<HeartbeatRow[]> {
    const p = new Params();
    const { measures, group } = this.byWholeKey(HEARTBEATS, this.allMeasures(HEARTBEATS));
    const rows = await this.d.rows(
      `SELECT period, region, site, camera, ${measures}
       FROM ${this.from(HEARTBEATS, q.stepMs)} WHERE ${where(p, q)} ${group} ORDER BY 1, 2, 3, 4`,
      p.values,
    );
    return rows.map((r) => ({
      period: num(r.period),
      region: str(r.region),
      site: str(r.site),
      camera: str(r.camera),
      outboxDepth: num(r.outbox_depth),
      oldestUnsentMs: num(r.oldest_unsent_ms),
      drops: num(r.drops),
    }));
  }

  /** Per period, the sum over cameras of each one's largest outbox depth: the health line, without shipping every camera's row. */
  async outboxDepth(q: PanelQuery): Promise<PeriodCount[]> {
    const p = new Params();
    const { measures, group } = this.byWholeKey(HEARTBEATS, [['outbox_depth', 'd']]);
    const rows = await this.d.rows(
      `SELECT period, sum(d) AS n FROM (SELECT period, region, site, camera, ${measures}
         FROM ${this.from(HEARTBEATS, q.stepMs)} WHERE ${where(p, q)} ${group}) x GROUP BY 1 ORDER BY 1`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), n: num(r.n) }));
  }

  /**
   * seq numbers missing per period, summed over cameras, by the rule of dashboard/panels/health.ts
   * seqGapsPerPeriod: inside a period, its seq range less its events; between periods, the seqs between
   * the camera's highest seq so far in the window and the period's lowest (none when seq went down).
   */
  async seqGaps(q: PanelQuery): Promise<PeriodCount[]> {
    const p = new Params();
    const { measures, group } = this.byWholeKey(COUNTS, [
      ['events', 'e'],
      ['min_seq', 'lo'],
      ['max_seq', 'hi'],
    ]);
    const rows = await this.d.rows(
      `WITH c AS (SELECT period, region, site, camera, ${measures}
                  FROM ${this.from(COUNTS, q.stepMs)} WHERE ${where(p, q)} ${group}),
            g AS (SELECT period, lo, greatest(0, hi - lo + 1 - e) AS inside,
                         max(hi) OVER (PARTITION BY region, site, camera ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
                  FROM c)
       SELECT period, sum(inside + CASE WHEN prev IS NULL THEN 0 ELSE greatest(0, lo - prev - 1) END) AS n FROM g GROUP BY 1 ORDER BY 1`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), n: num(r.n) }));
  }

  /** Consumers are not cameras: the camera filters do not apply. */
  async consumers(q: PanelQuery): Promise<ConsumerRow[]> {
    const p = new Params();
    const { measures, group } = this.byWholeKey(CONSUMERS, this.allMeasures(CONSUMERS));
    const rows = await this.d.rows(
      `SELECT period, consumer, ${measures} FROM ${this.from(CONSUMERS, q.stepMs)}
       WHERE ${where(p, { fromMs: q.fromMs, toMs: q.toMs, stepMs: q.stepMs })} ${group} ORDER BY 1, 2`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), consumer: str(r.consumer), inFlight: num(r.in_flight), pending: num(r.pending) }));
  }

  /** From the raw dead letters (few, and not per camera: a poison message may name no valid camera). */
  async deadLetters(q: PanelQuery): Promise<PeriodCount[]> {
    const p = new Params();
    const ms = this.d.epochMs('received_at');
    const step = p.add(q.stepMs);
    const rows = await this.d.rows(
      `SELECT ${ms} - ${ms} % CAST(${step} AS BIGINT) AS period, count(*) AS n FROM ${this.d.table('dead_letters')}
       WHERE received_at >= ${this.d.timestamp(p.add(q.fromMs))} AND received_at < ${this.d.timestamp(p.add(q.toMs))}
       GROUP BY 1 ORDER BY 1`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), n: num(r.n) }));
  }

  async statusChanges(q: PanelQuery): Promise<StatusChange[]> {
    const p = new Params();
    const log = this.d.table('camera_status_log');
    const inside = where(p, q, { period: 'received_at' });
    const filters = [...inList(p, 'region', q.regions), ...inList(p, 'site', q.sites), ...inList(p, 'camera', q.cameras)];
    const before = [`received_at < CAST(${p.add(q.fromMs)} AS BIGINT)`, ...filters].join(' AND ');
    const rows = await this.d.rows(
      `SELECT region, site, camera, state, received_at FROM ${log} WHERE ${inside}
       UNION ALL
       SELECT region, site, camera, state, received_at FROM (
         SELECT region, site, camera, state, received_at,
                row_number() OVER (PARTITION BY region, site, camera ORDER BY received_at DESC) AS rn
         FROM ${log} WHERE ${before}) b WHERE rn = 1
       ORDER BY 1, 2, 3, 5`,
      p.values,
    );
    return rows.map((r) => ({
      region: str(r.region),
      site: str(r.site),
      camera: str(r.camera),
      state: str(r.state),
      atMs: num(r.received_at),
    }));
  }

  cameraList(nowMs = Date.now()): Promise<CameraRow[]> {
    return cameraList(this.d, nowMs);
  }

  /** Per camera, the smallest commit time - captured_at in the consumers' samples of the five minutes before `nowMs`. */
  clockOffsets(nowMs: number): Promise<ClockOffsetRow[]> {
    return clockOffsets(this.d, nowMs);
  }
}
