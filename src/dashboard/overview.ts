/**
 * Builds the one JSON document the page polls: everything on the screen comes from a single request, so
 * the panels never disagree about which instant they show.
 */
import { cameraKey } from '../contract/index.ts';
import type { ClassRow, LatencyRow, StoreReader, Totals } from '../store/reader.ts';
import { cameraView, type CameraView } from './panels/camera-view.ts';
import { cameraRepair, repairPanel } from './panels/repair.ts';
import { MINUTE_MS, type Window } from './query.ts';

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
  const [rows, cameraRows, classes, latency, totals, extraValues, gapRows, repair] = await Promise.all([
    reader.perMinute(window.fromMs, window.toMs),
    reader.cameras(now),
    reader.classes(window.fromMs, window.toMs),
    reader.latency(window.fromMs, window.toMs),
    reader.totals(),
    readExtra(extra, onExtraError),
    settledTo > window.fromMs ? reader.seqGaps(window.fromMs, settledTo) : Promise.resolve(null),
    repairPanel(reader.capabilities.repairLedger, window),
  ]);
  const missing = gapRows && new Map(gapRows.map((g) => [cameraKey(g), g.missing]));

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
    cameras: cameraRows.map((r) => cameraView(r, now, missing?.get(cameraKey(r)) ?? null, cameraRepair(repair, cameraKey(r)))).sort(byKey),
    classes: [...classes].sort((a, b) => b.detections - a.detections || (a.class < b.class ? -1 : 1)),
    latency,
    totals,
    seqGaps: missing && missing.size > 0 ? [...missing.values()].reduce((a, b) => a + b, 0) : null,
    repair: repair && { repairing: repair.total.repairing, repaired: repair.total.repaired, lost: repair.total.lost },
    extra: extraValues,
  };
}
