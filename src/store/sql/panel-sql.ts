import { SeamError } from '../../contract/index.ts';
import type {
  CameraDetectionRow,
  CameraListRow,
  ClassPeriodRow,
  ConsumerRow,
  CountRow,
  HeartbeatRow,
  HistogramRow,
  PanelDialect,
  PanelFilter,
  PanelQuery,
  PanelReader,
  PercentileRow,
  PeriodCount,
  StatusChange,
  WindowBucketRow,
} from '../panel-reader.ts';
import { CLOCK_WINDOW_MS, withClockOffsets, type ClockOffsetRow } from '../clock-offsets.ts';
import {
  ALL_CAMERAS,
  CLASSES,
  CLOCK,
  CONSUMERS,
  COUNTS,
  HEARTBEATS,
  keyNames,
  LATENCY,
  levelFor,
  levelTable,
  LEVELS,
  type RollupTable,
} from '../rollups/schema.ts';
import { num, numOrNull } from './rows.ts';

const str = (v: unknown) => String(v);
/** A filter list longer than this is refused: a URL cannot name more cameras than a plant has. */
export const MAX_FILTER_VALUES = 500;

/** Positional parameters, collected as the WHERE clause is built. */
class Params {
  readonly values: (string | number)[] = [];
  add(v: string | number): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

function inList(p: Params, column: string, values: readonly string[] | undefined): string[] {
  if (!values || values.length === 0) return [];
  if (values.length > MAX_FILTER_VALUES) {
    throw new SeamError('SEAM_ERR_BAD_QUERY', `at most ${MAX_FILTER_VALUES} values in one filter`, { field: column });
  }
  return [`${column} IN (${values.map((v) => p.add(v)).join(', ')})`];
}

/** WHERE for a period range and the camera filters; `cameraColumn` false leaves the camera filter out. */
function where(p: Params, q: PanelQuery, opts: { camera?: boolean; classes?: boolean; period?: string } = {}): string {
  const period = opts.period ?? 'period';
  const parts = [
    `${period} >= CAST(${p.add(q.fromMs)} AS BIGINT)`,
    `${period} < CAST(${p.add(q.toMs)} AS BIGINT)`,
    ...inList(p, 'region', q.regions),
    ...inList(p, 'site', q.sites),
    ...(opts.camera === false ? [] : inList(p, 'camera', q.cameras)),
    ...(opts.classes ? inList(p, 'class', q.classes) : []),
  ];
  return parts.join(' AND ');
}

const columnsOf = (t: RollupTable) => [...keyNames(t), ...t.measures.map((m) => m.name)];

/** PanelReader over any SQL store that keeps the rollup tables. */
export class SqlPanelReader implements PanelReader {
  constructor(private readonly d: PanelDialect) {}

  private from(t: RollupTable, stepMs: number): string {
    const level = levelFor(stepMs);
    return this.d.source(this.d.table(levelTable(t, level)), this.d.table(`${t.name}_journal`), level.ms, columnsOf(t));
  }

  async counts(q: PanelQuery): Promise<CountRow[]> {
    const p = new Params();
    const rows = await this.d.rows(
      `SELECT period, region, site, camera, sum(events) AS events, sum(detections) AS detections, min(min_seq) AS min_seq,
              max(max_seq) AS max_seq, max(last_captured) AS last_captured
       FROM ${this.from(COUNTS, q.stepMs)} WHERE ${where(p, q)} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
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

  /**
   * The rows of what the filter shows: the named cameras; else the site rows (camera '*') of the named
   * regions or sites; else the plant rows. A day of fifty cameras unfiltered reads one row per bucket.
   */
  private histogramSource(p: Params, q: PanelQuery): string {
    if ((q.cameras?.length ?? 0) > 0) return `${this.from(LATENCY, q.stepMs)} WHERE ${where(p, q)}`;
    const all = p.add(ALL_CAMERAS);
    const narrowed = (q.regions?.length ?? 0) > 0 || (q.sites?.length ?? 0) > 0;
    return `${this.from(LATENCY, q.stepMs)} WHERE ${where(p, q, { camera: false })} AND camera = ${all}${narrowed ? '' : ` AND site = ${all} AND region = ${all}`}`;
  }

  async histograms(q: PanelQuery): Promise<HistogramRow[]> {
    const p = new Params();
    const rows = await this.d.rows(
      `SELECT period, kind, bucket, sum(n) AS n FROM ${this.histogramSource(p, q)} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), kind: num(r.kind), bucket: num(r.bucket), n: num(r.n) }));
  }

  /**
   * The nearest-rank bucket of each percentile per period and kind, found in SQL: the first bucket whose
   * running count reaches q% of the period's total (100 * cum >= q * total; the counts are whole numbers
   * far below 2^53, so in FLOAT8 the test is exact and agrees with Histogram.percentile). A day at five
   * minutes is some sixty thousand bucket rows; this returns a few hundred.
   */
  async percentiles(q: PanelQuery, percentiles: readonly number[]): Promise<PercentileRow[]> {
    for (const pct of percentiles) {
      if (!Number.isInteger(pct) || pct < 1 || pct > 100)
        throw new SeamError('SEAM_ERR_BAD_QUERY', `percentile ${pct} is not a whole number from 1 to 100`, { field: 'percentile' });
    }
    const p = new Params();
    const source = this.histogramSource(p, q);
    const picks = percentiles.map((pct, i) => `min(CASE WHEN 100 * cum >= CAST(${p.add(pct)} AS FLOAT8) * total THEN bucket END) AS b${i}`);
    // Grouped and windowed in the order the PostgreSQL index returns the rows, so nothing is sorted.
    const rows = await this.d.rows(
      `WITH h AS (SELECT period, kind, bucket, CAST(sum(n) AS FLOAT8) AS n FROM ${source} GROUP BY 1, 2, 3),
            c AS (SELECT period, kind, bucket, sum(n) OVER w AS cum, sum(n) OVER (PARTITION BY period, kind) AS total
                  FROM h WINDOW w AS (PARTITION BY period, kind ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
       SELECT period, kind, ${picks.join(', ')} FROM c GROUP BY 1, 2 ORDER BY 1, 2`,
      p.values,
    );
    return rows.map((r) => ({ period: num(r.period), kind: num(r.kind), buckets: percentiles.map((_, i) => num(r[`b${i}`])) }));
  }

  /** Bucket counts per kind over the whole window (its percentiles are merged by the caller). */
  async windowBuckets(q: PanelQuery): Promise<WindowBucketRow[]> {
    const p = new Params();
    const rows = await this.d.rows(
      `SELECT kind, bucket, sum(n) AS n FROM ${this.histogramSource(p, q)} GROUP BY 1, 2 ORDER BY 1, 2`,
      p.values,
    );
    return rows.map((r) => ({ kind: num(r.kind), bucket: num(r.bucket), n: num(r.n) }));
  }

  async heartbeats(q: PanelQuery): Promise<HeartbeatRow[]> {
    const p = new Params();
    const rows = await this.d.rows(
      `SELECT period, region, site, camera, max(outbox_depth) AS outbox_depth, max(oldest_unsent_ms) AS oldest_unsent_ms, max(drops) AS drops
       FROM ${this.from(HEARTBEATS, q.stepMs)} WHERE ${where(p, q)} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
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
    const rows = await this.d.rows(
      `SELECT period, sum(d) AS n FROM (SELECT period, region, site, camera, max(outbox_depth) AS d
         FROM ${this.from(HEARTBEATS, q.stepMs)} WHERE ${where(p, q)} GROUP BY 1, 2, 3, 4) x GROUP BY 1 ORDER BY 1`,
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
    const rows = await this.d.rows(
      `WITH c AS (SELECT period, region, site, camera, sum(events) AS e, min(min_seq) AS lo, max(max_seq) AS hi
                  FROM ${this.from(COUNTS, q.stepMs)} WHERE ${where(p, q)} GROUP BY 1, 2, 3, 4),
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
    const rows = await this.d.rows(
      `SELECT period, consumer, max(in_flight) AS in_flight, max(pending) AS pending FROM ${this.from(CONSUMERS, q.stepMs)}
       WHERE ${where(p, { fromMs: q.fromMs, toMs: q.toMs, stepMs: q.stepMs })} GROUP BY 1, 2 ORDER BY 1, 2`,
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

  async cameraList(nowMs = Date.now()): Promise<CameraListRow[]> {
    const hour = LEVELS[LEVELS.length - 1].ms;
    const [rows, offsets] = await Promise.all([
      this.d.rows(
        `WITH c AS (SELECT region, site, camera, sum(events) AS events, sum(detections) AS detections, max(last_captured) AS last_event
                    FROM ${this.from(COUNTS, hour)} GROUP BY 1, 2, 3)
         SELECT coalesce(c.region, s.region) AS region, coalesce(c.site, s.site) AS site, coalesce(c.camera, s.camera) AS camera,
                s.state, ${this.d.epochMs('s.received_at')} AS status_at, s.body, c.last_event, c.events, c.detections
         FROM c FULL OUTER JOIN ${this.d.table('camera_status')} s ON c.region = s.region AND c.site = s.site AND c.camera = s.camera
         ORDER BY 1, 2, 3`,
        [],
      ),
      this.clockOffsets(nowMs),
    ]);
    const list = rows.map(
      (r): CameraListRow => ({
        region: str(r.region),
        site: str(r.site),
        camera: str(r.camera),
        state: r.state === 'online' || r.state === 'offline' ? r.state : null,
        statusAt: numOrNull(r.status_at),
        lastEventAt: numOrNull(r.last_event),
        events: num(r.events),
        detections: num(r.detections),
        heartbeat: r.body === null || r.body === undefined ? {} : this.d.body(r.body),
        clockOffsetMs: null,
      }),
    );
    return withClockOffsets(list, offsets, (id) => ({
      ...id,
      state: null,
      statusAt: null,
      lastEventAt: null,
      events: 0,
      detections: 0,
      heartbeat: {},
      clockOffsetMs: null,
    }));
  }

  /** From the minute rows (the journal too, in DuckDB): whole minutes, from the one five minutes before `nowMs`. */
  async clockOffsets(nowMs: number): Promise<ClockOffsetRow[]> {
    const minute = LEVELS[0].ms;
    const sinceMs = nowMs - CLOCK_WINDOW_MS;
    let rows: Record<string, unknown>[];
    try {
      rows = await this.d.rows(
        `SELECT region, site, camera, min(min_lag) AS offset_ms FROM ${this.from(CLOCK, minute)}
         WHERE period >= CAST($1 AS BIGINT) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [sinceMs - (sinceMs % minute)],
      );
    } catch (err) {
      // A store written before rollup_clock and opened read-only (seamline dashboard) gets it only when a
      // consumer opens it; until then it has no clock figures, which is not a failure of the cameras panel.
      if (/rollup_clock_\w+"? does not exist/.test((err as Error).message)) return [];
      throw err;
    }
    return rows.map((r) => ({ region: str(r.region), site: str(r.site), camera: str(r.camera), offsetMs: num(r.offset_ms) }));
  }
}

export type { PanelFilter };
