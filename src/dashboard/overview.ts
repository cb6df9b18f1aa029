/**
 * Builds the one JSON document the page polls: everything on the screen comes from a single request, so
 * the panels never disagree about which instant they show.
 */
import { cameraKey } from '../contract/index.ts';
import type { CameraRow, ClassRow, LatencyRow, StoreReader, Totals } from '../store/store.ts';
import type { RepairSummaryRow } from '../store/repair-ledger.ts';
import { MINUTE_MS, type Window } from './query.ts';

export type CameraState = 'online' | 'offline' | 'unknown';

export interface CameraView {
  /** `region/site/camera`: unique, and the series label on the chart. */
  key: string;
  region: string;
  site: string;
  camera: string;
  /** `unknown` when the camera never sent a status. */
  state: CameraState;
  statusAt: number | null;
  lastEventAt: number | null;
  /** serverTime - lastEventAt, so the page does not depend on the viewer's clock. */
  lastEventAgeMs: number | null;
  events: number;
  detections: number;
  /**
   * seq numbers missing in the window (settled), or null when the store gave no answer for this camera
   * (it cannot tell, or the camera has no settled events in the window): no answer is not "none missing".
   */
  missing: number | null;
  /** Missing and being repaired now ("missing, repairing"), or null without a repair ledger. */
  repairing: number | null;
  /** Confirmed lost in the window ("lost, confirmed"), and why; null without a repair ledger. */
  lost: number | null;
  lostReasons: Record<string, number> | null;
  /** Repaired in the window. */
  repaired: number | null;
  /** From the camera's last heartbeat. */
  outboxDepth: number | null;
  drops: number | null;
  /** The camera's clock offset over the five minutes before the answer (CameraRow.clockOffsetMs). */
  clockOffsetMs: number | null;
}

export interface SeriesView {
  /** Minute starts, epoch ms, oldest first: the x axis. */
  minutes: number[];
  /** One entry per camera, values aligned with `minutes`; a minute without rows is 0, not missing. */
  cameras: { key: string; events: number[]; detections: number[] }[];
}

export interface Overview {
  serverTime: number;
  window: Window;
  series: SeriesView;
  cameras: CameraView[];
  classes: ClassRow[];
  latency: LatencyRow;
  totals: Totals;
  /** Events missing from the cameras' seq ranges over the window, or null when the store answered for no camera. */
  seqGaps: number | null;
  /** Repair over all cameras: being repaired now, repaired and confirmed lost in the window; null without a ledger. */
  repair: { repairing: number; repaired: number; lost: number } | null;
  /** Live consumer counters (dead_lettered, in_flight, duplicates...), or null when none are wired or they failed. */
  extra: Record<string, number> | null;
}

export type ExtraCounters = () => Promise<Record<string, number>>;

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * A gap younger than this may still fill (a redelivery, a bridge draining its backlog); only older
 * ones count as missing.
 */
export const GAP_SETTLE_MS = 30_000;

const lostTotal = (r: RepairSummaryRow) => Object.values(r.lost).reduce((a, b) => a + (b ?? 0), 0);

function cameraView(
  row: CameraRow,
  now: number,
  missing: Map<string, number> | null,
  repair: Map<string, RepairSummaryRow> | null,
): CameraView {
  const r = repair?.get(cameraKey(row));
  return {
    key: cameraKey(row),
    region: row.region,
    site: row.site,
    camera: row.camera,
    state: row.state ?? 'unknown',
    statusAt: row.statusAt,
    lastEventAt: row.lastEventAt,
    lastEventAgeMs: row.lastEventAt === null ? null : Math.max(0, now - row.lastEventAt),
    events: row.events,
    detections: row.detections,
    missing: missing?.get(cameraKey(row)) ?? null,
    repairing: repair ? (r?.repairing ?? 0) : null,
    lost: repair ? (r ? lostTotal(r) : 0) : null,
    lostReasons: repair ? ({ ...r?.lost } as Record<string, number>) : null,
    repaired: repair ? (r?.repaired ?? 0) : null,
    outboxDepth: row.outboxDepth ?? null,
    drops: row.drops ?? null,
    clockOffsetMs: row.clockOffsetMs ?? null,
  };
}

/** Extra counters are best-effort: a failing consumer hook must not blank the whole screen. */
async function readExtra(extra: ExtraCounters | undefined, onError: (err: unknown) => void) {
  if (!extra) return null;
  try {
    const raw = await extra();
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    return out;
  } catch (err) {
    onError(err);
    return null;
  }
}

export async function buildOverview(
  reader: StoreReader,
  window: Window,
  now: number,
  extra: ExtraCounters | undefined,
  onExtraError: (err: unknown) => void,
): Promise<Overview> {
  const settledTo = Math.min(window.toMs, now - GAP_SETTLE_MS);
  const [rows, cameraRows, classes, latency, totals, extraValues, gapRows, repairRows] = await Promise.all([
    reader.perMinute(window.fromMs, window.toMs),
    reader.cameras(now),
    reader.classes(window.fromMs, window.toMs),
    reader.latency(window.fromMs, window.toMs),
    reader.totals(),
    readExtra(extra, onExtraError),
    reader.seqGaps && settledTo > window.fromMs ? reader.seqGaps(window.fromMs, settledTo) : Promise.resolve(null),
    reader.repairSummary ? reader.repairSummary(window.fromMs, window.toMs) : Promise.resolve(null),
  ]);
  const missing = gapRows && new Map(gapRows.map((g) => [cameraKey(g), g.missing]));
  const repair = repairRows && new Map(repairRows.map((r) => [cameraKey(r), r]));

  const minutes = Array.from({ length: window.minutes }, (_, i) => window.fromMs + i * MINUTE_MS);
  // Every known camera gets a series, even an idle one: a flat zero line is information, and a stable
  // series set lets the page update the chart in place instead of rebuilding it.
  const series = new Map<string, { key: string; events: number[]; detections: number[] }>();
  const seriesFor = (key: string) => {
    let s = series.get(key);
    if (!s) {
      s = { key, events: new Array(window.minutes).fill(0), detections: new Array(window.minutes).fill(0) };
      series.set(key, s);
    }
    return s;
  };
  for (const row of cameraRows) seriesFor(cameraKey(row));
  for (const row of rows) {
    const i = Math.floor((row.minute - window.fromMs) / MINUTE_MS);
    if (i < 0 || i >= window.minutes) continue;
    const s = seriesFor(cameraKey(row));
    s.events[i] += row.events;
    s.detections[i] += row.detections;
  }

  return {
    serverTime: now,
    window,
    series: { minutes, cameras: [...series.values()].sort(byKey) },
    cameras: cameraRows.map((r) => cameraView(r, now, missing, repair)).sort(byKey),
    classes: [...classes].sort((a, b) => b.detections - a.detections || (a.class < b.class ? -1 : 1)),
    latency,
    totals,
    seqGaps: missing && missing.size > 0 ? [...missing.values()].reduce((a, b) => a + b, 0) : null,
    repair: repairRows && {
      repairing: repairRows.reduce((a, r) => a + r.repairing, 0),
      repaired: repairRows.reduce((a, r) => a + r.repaired, 0),
      lost: repairRows.reduce((a, r) => a + lostTotal(r), 0),
    },
    extra: extraValues,
  };
}
