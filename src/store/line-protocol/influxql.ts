import { SeamError, type DetectionV1 } from '../../contract/index.ts';
import { PROBE_REGION } from '../probe-event.ts';
import { byCamera, eventKey, type LineProtocolBackend } from './backend.ts';
import { CLOCK_WINDOW_MS, type ClockOffsetRow } from '../clock-offsets.ts';
import { CLOCK_MEASUREMENT } from './clock.ts';
import type { LineProtocolHttp } from './http.ts';
import { emptyCameraRow, type CameraRow, type ClassRow, type LatencyRow, type MinuteRow, type SeqGapRow, type Totals } from '../reader.ts';

interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
type Row = Record<string, unknown> & { tags: Record<string, string> };

/** InfluxDB's time range, int64 nanoseconds either side of 1970, in whole milliseconds. */
const INFLUX_MIN_MS = -9_223_372_036_854;
// One millisecond short of the end: the store writes seq mod 1e6 into the sub-millisecond digits.
const INFLUX_MAX_MS = 9_223_372_036_853;

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const window = (fromMs: number, toMs: number) => `time >= ${fromMs}ms AND time < ${toMs}ms`;
const CAMERA = 'GROUP BY region, site, camera';

/**
 * InfluxDB 1.x: writes to /write?db=&precision=ns, reads with InfluxQL on /query. Percentiles are
 * InfluxQL's percentile() (nearest rank), not DuckDB's interpolated quantile; on a few values they can
 * differ by one rank (docs/stores.md).
 */
export class InfluxQlBackend implements LineProtocolBackend {
  readonly writeQuery: Record<string, string>;

  constructor(
    private readonly http: LineProtocolHttp,
    private readonly database: string,
    private readonly retentionDays: number,
  ) {
    this.writeQuery = { db: database, precision: 'ns' };
  }

  async prepare(): Promise<void> {
    const db = `"${this.database.replace(/"/g, '\\"')}"`;
    await this.run(`CREATE DATABASE ${db}`, 'POST');
    if (this.retentionDays > 0) {
      // The default policy of the database becomes ours: InfluxDB expires whole shard groups (a day for
      // policies over two days), so rows live up to retentionDays plus one shard group.
      const spec = `DURATION ${this.retentionDays}d REPLICATION 1 DEFAULT`;
      try {
        await this.run(`CREATE RETENTION POLICY "seamline" ON ${db} ${spec}`, 'POST');
      } catch {
        await this.run(`ALTER RETENTION POLICY "seamline" ON ${db} ${spec}`, 'POST');
      }
    }
  }

  /**
   * InfluxDB answers a write with points older than the retention policy keeps with a 400 that stores the
   * rest; refused here first, so that a batch is not half written for it. An hour of margin: refused here
   * means dead-lettered, accepted there means dropped.
   */
  refusal(event: DetectionV1, nowMs: number): string | undefined {
    const captured = Date.parse(event.captured_at);
    // Its timestamps are int64 nanoseconds; a point outside fails to parse and the rest of the body is stored.
    if (!(captured >= INFLUX_MIN_MS && captured <= INFLUX_MAX_MS)) {
      return `captured_at ${event.captured_at} is outside InfluxDB's time range (${new Date(INFLUX_MIN_MS).toISOString()} to ${new Date(INFLUX_MAX_MS).toISOString()})`;
    }
    if (this.retentionDays <= 0) return undefined;
    const oldest = nowMs - this.retentionDays * 86_400_000 + 3_600_000;
    if (captured >= oldest) return undefined;
    return `captured_at ${event.captured_at} is older than the retention policy keeps (${this.retentionDays} d, back to ${new Date(oldest).toISOString()})`;
  }

  /**
   * The probe's event and detection points (tag region ".probe", which no camera can have), then deleted,
   * so that a write refused for the type of a field is told apart: the probe writes the same fields.
   */
  async probe(lines: string[], post: (lines: string[]) => Promise<void>): Promise<void> {
    await post(lines);
    await this.run(
      `DELETE FROM "event" WHERE "region" = '${PROBE_REGION}'; DELETE FROM "detection" WHERE "region" = '${PROBE_REGION}'`,
      'POST',
    );
  }

  /** Runs one or more `;`-separated statements; returns each statement's rows, tags folded in. */
  private async run(q: string, method: 'GET' | 'POST' = 'GET'): Promise<Row[][]> {
    const query = { q, db: this.database, epoch: 'ms' };
    // InfluxDB wants POST for statements that change things (CREATE ...); q may stay in the URL either way.
    const text = await this.http.request('query', 'query', { method, query });
    const body = JSON.parse(text) as { results?: { error?: string; series?: Series[] }[]; error?: string };
    const failed = body.error ?? body.results?.find((r) => r.error)?.error;
    if (failed) throw new SeamError('SEAM_ERR_CONFIG', `influxdb query failed: ${failed}`, { field: 'store.database' });
    return (body.results ?? []).map((r) =>
      (r.series ?? []).flatMap((s) =>
        s.values.map((v) => Object.assign(Object.fromEntries(s.columns.map((c, i) => [c, v[i]])), { tags: s.tags ?? {} }) as Row),
      ),
    );
  }

  async existing(minMs: number, maxMs: number): Promise<Set<string>> {
    const [rows] = await this.run(`SELECT seq FROM event WHERE time >= ${minMs}ms AND time < ${maxMs + 1}ms ${CAMERA}`);
    // The point time is captured_at ms plus seq mod 1e6 ns, so (camera, ms, seq mod 1e6) is the identity.
    return new Set(rows.map((r) => eventKey(r.tags.region, r.tags.site, r.tags.camera, String(num(r.seq) % 1_000_000), num(r.time))));
  }

  async perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]> {
    const [rows] = await this.run(
      `SELECT count(detections) AS events, sum(detections) AS detections FROM event WHERE ${window(fromMs, toMs)}
       GROUP BY time(1m), region, site, camera fill(none)`,
    );
    return rows
      .map((r) => ({ ...pick(r.tags), minute: num(r.time), events: num(r.events), detections: num(r.detections) }))
      .sort((a, b) => a.minute - b.minute || byCamera(a, b));
  }

  async cameras(nowMs = Date.now()): Promise<CameraRow[]> {
    const [[counts, last, status], clock] = await Promise.all([
      this.run(
        `SELECT count(detections) AS events, sum(detections) AS detections FROM event ${CAMERA};
         SELECT last(detections) FROM event ${CAMERA};
         SELECT * FROM camera_status ${CAMERA} ORDER BY time DESC LIMIT 1`,
      ),
      this.clockOffsets(nowMs),
    ]);
    const cams = new Map<string, CameraRow>();
    const row = (tags: Record<string, string>) => {
      const key = `${tags.region}/${tags.site}/${tags.camera}`;
      let c = cams.get(key);
      if (!c) {
        c = emptyCameraRow(pick(tags));
        cams.set(key, c);
      }
      return c;
    };
    for (const r of counts) Object.assign(row(r.tags), { events: num(r.events), detections: num(r.detections) });
    for (const r of last) row(r.tags).lastEventAt = num(r.time);
    for (const r of status) {
      Object.assign(row(r.tags), {
        state: num(r.online) === 1 ? 'online' : 'offline',
        statusAt: num(r.time),
        outboxDepth: numOrNull(r.outbox_depth),
        oldestUnsentMs: numOrNull(r.oldest_unsent_ms),
        drops: numOrNull(r.drops),
      });
    }
    // A camera known only by its clock figures (its events all outside what the store keeps) is listed too.
    for (const o of clock) row({ region: o.region, site: o.site, camera: o.camera }).clockOffsetMs = o.offsetMs;
    return [...cams.values()].sort(byCamera);
  }

  async clockOffsets(nowMs = Date.now()): Promise<ClockOffsetRow[]> {
    const [rows] = await this.run(
      `SELECT min(min_lag_ms) AS offset_ms FROM ${CLOCK_MEASUREMENT} WHERE ${window(nowMs - CLOCK_WINDOW_MS, nowMs + 1)} ${CAMERA}`,
    );
    return rows.map((r) => ({ ...pick(r.tags), offsetMs: num(r.offset_ms) }));
  }

  async classes(fromMs: number, toMs: number): Promise<ClassRow[]> {
    const [rows] = await this.run(`SELECT count(confidence) AS n FROM detection WHERE ${window(fromMs, toMs)} GROUP BY class`);
    return rows
      .map((r) => ({ class: r.tags.class, detections: num(r.n) }))
      .sort((a, b) => b.detections - a.detections || a.class.localeCompare(b.class));
  }

  async latency(fromMs: number, toMs: number): Promise<LatencyRow> {
    const [[r]] = await this.run(
      `SELECT percentile(inference_ms, 50) AS i50, percentile(inference_ms, 99) AS i99,
              percentile(lag_ms, 50) AS l50, percentile(lag_ms, 99) AS l99 FROM event WHERE ${window(fromMs, toMs)}`,
    );
    return {
      inferenceP50Ms: numOrNull(r?.i50),
      inferenceP99Ms: numOrNull(r?.i99),
      lagP50Ms: numOrNull(r?.l50),
      lagP99Ms: numOrNull(r?.l99),
    };
  }

  async seqGaps(fromMs: number, toMs: number): Promise<SeqGapRow[]> {
    const [range, distinct] = await this.run(
      `SELECT max(seq) AS hi, min(seq) AS lo FROM event WHERE ${window(fromMs, toMs)} ${CAMERA};
       SELECT count(distinct(seq)) AS n FROM event WHERE ${window(fromMs, toMs)} ${CAMERA}`,
    );
    const counts = new Map(distinct.map((r) => [`${r.tags.region}/${r.tags.site}/${r.tags.camera}`, num(r.n)]));
    return range
      .map((r) => ({
        ...pick(r.tags),
        missing: num(r.hi) - num(r.lo) + 1 - (counts.get(`${r.tags.region}/${r.tags.site}/${r.tags.camera}`) ?? 0),
      }))
      .sort(byCamera);
  }

  async totals(): Promise<Totals> {
    // A redelivered dead letter is a second point with the same letter_id; points from before letter_id count one each.
    const [[e], [d], [ided], [distinct]] = await this.run(
      `SELECT count(detections) AS events, sum(detections) AS detections FROM event; SELECT count(bytes) AS n FROM dead_letter;
       SELECT count(letter_id) AS n FROM dead_letter; SELECT count(distinct(letter_id)) AS n FROM dead_letter`,
    );
    const deadLetters = num(d?.n) - num(ided?.n) + num(distinct?.n);
    return { events: num(e?.events), detections: num(e?.detections), deadLetters };
  }
}

const pick = (t: Record<string, string>) => ({ region: t.region, site: t.site, camera: t.camera });
