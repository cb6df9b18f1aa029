import type { DetectionV1, StatusV1 } from '../../contract/index.ts';
import { bucketOf, HISTOGRAMS } from './histogram.ts';

const MINUTE = 60_000;
export const minuteOf = (ms: number) => ms - (((ms % MINUTE) + MINUTE) % MINUTE);

/** One camera's minute in one write. */
interface CameraMinute {
  minute: number;
  region: string;
  site: string;
  camera: string;
  events: number;
  detections: number;
  minSeq: number;
  maxSeq: number;
  last: number;
  classes: Map<string, number>;
  inference: Map<number, number>;
  lag: Map<number, number>;
}

/**
 * A write's rollup rows at minute resolution, in the column order of the journal tables
 * (store/duckdb/rollups.ts): counts and classes as the level tables have them; histograms one row per camera,
 * minute and kind with the buckets as text ("bucket:count,..."), which the journal view unpacks. A few
 * dozen rows per batch instead of hundreds keeps the rollups' share of the write small.
 */
export interface RollupRows {
  counts: (string | number)[][];
  classes: (string | number)[][];
  latency: (string | number)[][];
}

const add = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
const packed = (m: Map<number, number>) => {
  let s = '';
  for (const [b, n] of m) s += s ? `,${b}:${n}` : `${b}:${n}`;
  return s;
};

/** Epoch ms of each event's captured_at and inferred_at, parsed once by the write path. */
export interface EventTimes {
  captured: readonly number[];
  inferred: readonly number[];
}

/**
 * The minute rollups of the events one write newly stored: the store calls this with exactly the events
 * its write path decided are new, so each event is counted once however often it is delivered.
 * `cameras` holds each event's cameraKey. Cells are found camera first, then minute: building a string
 * key per event for one map cost more than the counting it led to.
 */
export function rollupEvents(
  events: readonly DetectionV1[],
  cameras: readonly string[],
  times: EventTimes,
  committedMs: number,
): RollupRows {
  const byCamera = new Map<string, Map<number, CameraMinute>>();
  const cells: CameraMinute[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const at = times.captured[i];
    const minute = minuteOf(at);
    let minutes = byCamera.get(cameras[i]);
    if (!minutes) byCamera.set(cameras[i], (minutes = new Map()));
    let c = minutes.get(minute);
    if (!c) {
      c = {
        minute,
        region: e.region,
        site: e.site,
        camera: e.camera,
        events: 0,
        detections: 0,
        minSeq: e.seq,
        maxSeq: e.seq,
        last: at,
        classes: new Map(),
        inference: new Map(),
        lag: new Map(),
      };
      minutes.set(minute, c);
      cells.push(c);
    }
    c.events++;
    c.detections += e.detections.length;
    if (e.seq < c.minSeq) c.minSeq = e.seq;
    if (e.seq > c.maxSeq) c.maxSeq = e.seq;
    if (at > c.last) c.last = at;
    for (const d of e.detections) add(c.classes, d.class);
    add(c.inference, bucketOf(times.inferred[i] - at));
    add(c.lag, bucketOf(committedMs - at));
  }
  const rows: RollupRows = { counts: [], classes: [], latency: [] };
  for (const c of cells) {
    rows.counts.push([c.minute, c.region, c.site, c.camera, c.events, c.detections, c.minSeq, c.maxSeq, c.last]);
    for (const [cls, n] of c.classes) rows.classes.push([c.minute, c.region, c.site, c.camera, cls, n]);
    rows.latency.push([c.minute, c.region, c.site, c.camera, HISTOGRAMS.inference, packed(c.inference)]);
    rows.latency.push([c.minute, c.region, c.site, c.camera, HISTOGRAMS.lag, packed(c.lag)]);
  }
  return rows;
}

/** The heartbeat rollup row of one status.v1, or undefined when it carries no outbox figures (a last will may not). */
export function rollupHeartbeat(status: StatusV1, receivedMs: number): (string | number)[] | undefined {
  if (status.outbox_depth === undefined && status.oldest_unsent_ms === undefined && status.drops === undefined) return undefined;
  return [
    minuteOf(receivedMs),
    status.region,
    status.site,
    status.camera,
    status.outbox_depth ?? 0,
    status.oldest_unsent_ms ?? 0,
    status.drops ?? 0,
  ];
}
