import { byCamera, eventKey, quantileCont, type LineProtocolBackend } from './backend.ts';
import { CLOCK_WINDOW_MS, type ClockOffsetRow } from '../clock-offsets.ts';
import { CLOCK_MEASUREMENT } from './clock.ts';
import type { LineProtocolHttp } from './http.ts';
import { retentionMs, victoriaRefusal } from './victoria-limits.ts';
import { isSeamError, type DetectionV1 } from '../../contract/index.ts';
import { emptyCameraRow, type CameraRow, type ClassRow, type LatencyRow, type MinuteRow, type SeqGapRow, type Totals } from '../reader.ts';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface Exported {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** Lookbehind for "all time" questions (totals, cameras). */
const ALL_TIME = '30y'; // 100y reaches before 1970 and VictoriaMetrics then answers nothing
const camKey = (m: Record<string, string>) => `${m.region}/${m.site}/${m.camera}`;
const pick = (m: Record<string, string>) => ({ region: m.region, site: m.site, camera: m.camera });

/**
 * VictoriaMetrics single-node: writes to its InfluxDB endpoint POST /write (each field becomes a series
 * `<measurement>_<field>`, `?db=` becomes the `db` label), reads with MetricsQL instant queries, and with
 * /api/v1/export where raw samples are needed (per-minute buckets on exact [from, to) edges, interpolated
 * percentiles). It must run with -dedup.minScrapeInterval=1ms, or redeliveries count twice (docs/stores.md).
 */
export class VictoriaBackend implements LineProtocolBackend {
  readonly writeQuery: Record<string, string>;
  private readonly sel: string;

  constructor(
    private readonly http: LineProtocolHttp,
    readonly database: string,
    /** Call /internal/force_flush before reads, so a read sees the writes that came just before it. */
    private readonly forceFlush: boolean,
    private readonly slots: number,
    /** What the operator says its -retentionPeriod is, days; used only when /flags cannot be read. */
    private readonly retentionDays = 0,
  ) {
    this.writeQuery = { db: database, precision: 'ms' };
    this.sel = `{db=${JSON.stringify(database)}}`;
  }

  async prepare(): Promise<void> {
    await this.http.request('health check', 'health');
    // /health answers without credentials; a query does not, so wrong ones stop the consumer here, at start.
    await this.http.request('credentials check', 'api/v1/query', { query: { query: '1' } });
    this.retention = await this.readRetention();
  }

  /**
   * Its -retentionPeriod, from /flags. A server that guards /flags (-flagsAuthKey) answers 401; then the
   * store's `retentionDays`, or VictoriaMetrics' default of a month: guessing short only dead-letters
   * events it would have kept, guessing long would count dropped ones stored.
   */
  private async readRetention(): Promise<number> {
    try {
      return retentionMs(await this.http.request('flags', 'flags'));
    } catch (err) {
      if (!isSeamError(err, 'SEAM_ERR_CONFIG')) throw err;
      return this.retentionDays > 0 ? this.retentionDays * 86_400_000 : retentionMs('');
    }
  }

  /** Its -retentionPeriod in ms, read at prepare(); until then, the default of one month. */
  private retention = retentionMs('');

  refusal(event: DetectionV1, nowMs: number): string | undefined {
    return victoriaRefusal(event, nowMs, this.retention);
  }

  /** A `seamline_probe_ok` sample of its own, then the duplicate check's read: no reader counts that series. */
  async probe(_lines: string[], post: (lines: string[]) => Promise<void>): Promise<void> {
    const now = Date.now();
    await post([`seamline_probe ok=1i ${now}`]);
    await this.existing(now, now);
  }

  /** VictoriaMetrics makes new samples searchable about a second after ingestion unless flushed. */
  private async flush(): Promise<void> {
    if (this.forceFlush) await this.http.request('flush', 'internal/force_flush');
  }

  /** Instant query over [fromMs, toMs): VictoriaMetrics windows are (t - d, t], so evaluate at toMs - 1. */
  private async instant(expr: string, toMs: number): Promise<Sample[]> {
    const text = await this.http.request('query', 'api/v1/query', {
      query: { query: expr, time: String((toMs - 1) / 1000), nocache: '1' },
    });
    return (JSON.parse(text) as { data: { result: Sample[] } }).data.result;
  }

  /** Raw samples of one metric with timestamps in [fromMs, toMs). */
  private async export(metric: string, fromMs: number, toMs: number): Promise<Exported[]> {
    const text = await this.http.request('export', 'api/v1/export', {
      query: { 'match[]': `${metric}${this.sel}`, start: String(fromMs / 1000), end: String((toMs - 1) / 1000) },
    });
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Exported);
  }

  async existing(minMs: number, maxMs: number): Promise<Set<string>> {
    await this.flush();
    const keys = new Set<string>();
    for (const s of await this.export('event_detections', minMs, maxMs + 1)) {
      for (const t of s.timestamps)
        keys.add(eventKey(s.metric.region, s.metric.site, s.metric.camera, this.slots > 1 ? (s.metric.slot ?? '') : '', t));
    }
    return keys;
  }

  async perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]> {
    await this.flush();
    const rows = new Map<string, MinuteRow>();
    for (const s of await this.export('event_detections', fromMs, toMs)) {
      s.timestamps.forEach((t, i) => {
        const minute = Math.floor(t / 60_000) * 60_000;
        const key = `${camKey(s.metric)}@${minute}`;
        const row = rows.get(key) ?? { ...pick(s.metric), minute, events: 0, detections: 0 };
        row.events += 1;
        row.detections += s.values[i];
        rows.set(key, row);
      });
    }
    return [...rows.values()].sort((a, b) => a.minute - b.minute || byCamera(a, b));
  }

  async cameras(nowMs = Date.now()): Promise<CameraRow[]> {
    await this.flush();
    const now = Date.now() + 86_400_000;
    const by = 'by (region, site, camera)';
    const q = (fn: string, agg: string, metric: string) => this.instant(`${agg} ${by} (${fn}(${metric}${this.sel}[${ALL_TIME}]))`, now);
    const [events, detections, last, online, statusAt, depth, oldest, drops, offsets] = await Promise.all([
      q('count_over_time', 'sum', 'event_detections'),
      q('sum_over_time', 'sum', 'event_detections'),
      q('tlast_over_time', 'max', 'event_detections'),
      q('last_over_time', 'max', 'camera_status_online'),
      q('tlast_over_time', 'max', 'camera_status_online'),
      q('last_over_time', 'max', 'camera_status_outbox_depth'),
      q('last_over_time', 'max', 'camera_status_oldest_unsent_ms'),
      q('last_over_time', 'max', 'camera_status_drops'),
      this.clockOffsets(nowMs),
    ]);
    const cams = new Map<string, CameraRow>();
    const row = (m: Record<string, string>) => {
      let c = cams.get(camKey(m));
      if (!c) cams.set(camKey(m), (c = emptyCameraRow(pick(m))));
      return c;
    };
    const val = (s: Sample) => Number(s.value[1]);
    for (const s of events) row(s.metric).events = val(s);
    for (const s of detections) row(s.metric).detections = val(s);
    for (const s of last) row(s.metric).lastEventAt = Math.round(val(s) * 1000);
    for (const s of online) row(s.metric).state = val(s) === 1 ? 'online' : 'offline';
    for (const s of statusAt) row(s.metric).statusAt = Math.round(val(s) * 1000);
    for (const s of depth) row(s.metric).outboxDepth = val(s);
    for (const s of oldest) row(s.metric).oldestUnsentMs = val(s);
    for (const s of drops) row(s.metric).drops = val(s);
    // Listed even when its events are all outside the retention (a clock in 1970): the wrong clock is the news.
    for (const o of offsets) row({ region: o.region, site: o.site, camera: o.camera }).clockOffsetMs = o.offsetMs;
    return [...cams.values()].sort(byCamera);
  }

  async clockOffsets(nowMs = Date.now()): Promise<ClockOffsetRow[]> {
    await this.flush();
    const by = 'by (region, site, camera)';
    const rows = await this.instant(
      `min ${by} (min_over_time(${CLOCK_MEASUREMENT}_min_lag_ms${this.sel}[${CLOCK_WINDOW_MS}ms]))`,
      nowMs + 1,
    );
    return rows.map((s) => ({ ...pick(s.metric), offsetMs: Number(s.value[1]) }));
  }

  async classes(fromMs: number, toMs: number): Promise<ClassRow[]> {
    await this.flush();
    const rows = await this.instant(`sum by (class) (count_over_time(detection_confidence${this.sel}[${toMs - fromMs}ms]))`, toMs);
    return rows
      .map((s) => ({ class: s.metric.class, detections: Number(s.value[1]) }))
      .sort((a, b) => b.detections - a.detections || a.class.localeCompare(b.class));
  }

  async latency(fromMs: number, toMs: number): Promise<LatencyRow> {
    await this.flush();
    const values = async (metric: string) => (await this.export(metric, fromMs, toMs)).flatMap((s) => s.values).sort((a, b) => a - b);
    const [inference, lag] = await Promise.all([values('event_inference_ms'), values('event_lag_ms')]);
    return {
      inferenceP50Ms: quantileCont(inference, 0.5),
      inferenceP99Ms: quantileCont(inference, 0.99),
      lagP50Ms: quantileCont(lag, 0.5),
      lagP99Ms: quantileCont(lag, 0.99),
    };
  }

  async seqGaps(fromMs: number, toMs: number): Promise<SeqGapRow[]> {
    await this.flush();
    const w = `[${toMs - fromMs}ms]`;
    const by = 'by (region, site, camera)';
    const [hi, lo, n] = await Promise.all([
      this.instant(`max ${by} (max_over_time(event_seq${this.sel}${w}))`, toMs),
      this.instant(`min ${by} (min_over_time(event_seq${this.sel}${w}))`, toMs),
      // Each stored event is one sample, so the count is the distinct events (DuckDB counts distinct seq).
      this.instant(`sum ${by} (count_over_time(event_seq${this.sel}${w}))`, toMs),
    ]);
    const get = (rows: Sample[]) => new Map(rows.map((s) => [camKey(s.metric), Number(s.value[1])]));
    const [low, count] = [get(lo), get(n)];
    return hi
      .map((s) => ({
        ...pick(s.metric),
        missing: Number(s.value[1]) - (low.get(camKey(s.metric)) ?? 0) + 1 - (count.get(camKey(s.metric)) ?? 0),
      }))
      .sort(byCamera);
  }

  async totals(): Promise<Totals> {
    await this.flush();
    const now = Date.now() + 86_400_000;
    const one = async (expr: string) => Number((await this.instant(expr, now))[0]?.value[1] ?? 0);
    const [events, detections, deadLetters] = await Promise.all([
      one(`sum(count_over_time(event_detections${this.sel}[${ALL_TIME}]))`),
      one(`sum(sum_over_time(event_detections${this.sel}[${ALL_TIME}]))`),
      one(`sum(count_over_time(dead_letter_bytes${this.sel}[${ALL_TIME}]))`),
    ]);
    return { events, detections, deadLetters };
  }
}
