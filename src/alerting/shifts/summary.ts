/**
 * The shift summary: what happened on one run of a shift, per camera, per line (site) and for the plant, each
 * figure beside the same figure for the previous shift and the same shift a week earlier. One JSON shape
 * (SHIFT_SUMMARY_VERSION) for the dashboard's table, `seamline report shift --format json` and the handover
 * notice; docs/shifts.md defines every figure.
 */
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import type { ShiftCounts } from '../../store/shift-counts.ts';
import type { ShiftCalendar } from '../config/shift-calendar.ts';
import { alertEpisodes, type AlertEpisode } from './alert-episodes.ts';
import { buildRows, type RunFigures } from './figures.ts';
import { previousRun, weekEarlier, type DatedRun } from './ranges.ts';
import { topImages, type ShiftImage } from './top-images.ts';

export const SHIFT_SUMMARY_VERSION = 'seamline.shift.v1';

/** A figure of this run beside the same figure of the previous shift and of the same shift a week earlier (null: no such run). */
export interface Figure {
  value: number;
  previous: number | null;
  weekAgo: number | null;
}

/** A rate (a share, 0..1 and above); null where its denominator is 0. */
export interface RateFigure {
  value: number | null;
  previous: number | null;
  weekAgo: number | null;
}

export interface ClassFigures {
  detections: Figure;
  /** Detections of the class per event. */
  perEvent: RateFigure;
  /** Detections of the class per detection of the part class; present only when a part class is configured. */
  perPart?: RateFigure;
}

/** One row of the summary: a camera, a line (site, camera '*') or the plant (region, site and camera '*'). */
export interface ShiftRow {
  scope: 'camera' | 'site' | 'plant';
  region: string;
  site: string;
  camera: string;
  events: Figure;
  detections: Figure;
  /** By class name, sorted. */
  classes: Record<string, ClassFigures>;
  /** Minutes of the shift without a stored event; summed over cameras for a site or the plant (camera-minutes). */
  minutesSilent: Figure;
  /** Minutes without an event or a heartbeat; summed over cameras for a site or the plant. */
  minutesOffline: Figure;
  /** Seqs of the gaps found during the shift, by their state now (the repair ledger). */
  eventsLost: Figure;
  eventsRepaired: Figure;
  eventsRepairing: Figure;
  deadLetters: Figure;
  /** Alert episodes that were firing at some moment of the shift, and their firing minutes inside it. */
  alertsFired: Figure;
  alertMinutes: Figure;
}

/** A run as the summary names it: `NAME@DATE`, its bounds as epoch ms and ISO instants, its length in minutes. */
export interface RunRef {
  shift: string;
  date: string;
  timezone: string;
  startMs: number;
  endMs: number;
  start: string;
  end: string;
  minutes: number;
}

export interface ShiftSummary {
  version: typeof SHIFT_SUMMARY_VERSION;
  run: RunRef;
  previous: RunRef | null;
  weekAgo: RunRef | null;
  /** The part class behind perPart, or null. */
  partClass: string | null;
  /** False when the store keeps no repair ledger: the lost/repaired figures are then 0 and mean nothing. */
  repairLedger: boolean;
  plant: ShiftRow;
  /** By region, site. */
  sites: ShiftRow[];
  /** By region, site, camera. */
  cameras: ShiftRow[];
  /** Alert episodes firing at some moment of this run, by start. */
  alerts: AlertEpisode[];
  /** A few defect images of the run (the evidence store's), highest confidence first; empty without an evidence store. */
  images: ShiftImage[];
}

export interface SummaryOptions {
  /** The class that counts parts (e.g. `part`), for defects per part. */
  partClass?: string;
  /** Where the images are; without it `images` is empty. */
  evidence?: EvidenceStore;
  /** How many images at most (default 6). */
  imageLimit?: number;
  /** The clock, for alerts still firing (default Date.now()). */
  nowMs?: number;
}

export const refOf = (run: DatedRun): RunRef => ({
  shift: run.shift,
  date: run.date,
  timezone: run.timezone,
  startMs: run.startMs,
  endMs: run.endMs,
  start: new Date(run.startMs).toISOString(),
  end: new Date(run.endMs).toISOString(),
  minutes: Math.round((run.endMs - run.startMs) / 60_000),
});

/** Alert history is read once, from a week before the earliest run compared (docs/shifts.md: how far back). */
const HISTORY_LOOKBACK_MS = 7 * 86_400_000;

/**
 * The summary of `run`, with the previous shift (previousRun) and the same shift a week earlier (weekEarlier)
 * beside each figure. Reads the store's ShiftCounts once for the three runs, and its alert history once.
 */
export async function summarizeShift(
  source: ShiftCounts,
  calendar: ShiftCalendar,
  run: DatedRun,
  options: SummaryOptions = {},
): Promise<ShiftSummary> {
  const nowMs = options.nowMs ?? Date.now();
  const previous = previousRun(calendar, run);
  const weekAgo = weekEarlier(calendar, run);
  const earliest = Math.min(run.startMs, previous?.startMs ?? run.startMs, weekAgo?.startMs ?? run.startMs);
  const runs = [run, previous, weekAgo].filter((r): r is DatedRun => r !== undefined);
  const [history, counts, images] = await Promise.all([
    source.alertHistory(earliest - HISTORY_LOOKBACK_MS),
    source.counts(runs.map((r) => ({ fromMs: r.startMs, toMs: r.endMs }))),
    options.evidence ? topImages(options.evidence, run, options.imageLimit ?? 6, options.partClass) : [],
  ]);
  const figures = runs.map((r, i): RunFigures => ({ run: r, counts: counts[i]!, alerts: alertEpisodes(history, r, nowMs) }));
  const now = figures[0]!;
  const prev = previous && figures[1];
  const week = weekAgo && figures[previous ? 2 : 1];
  const rows = buildRows(now, prev, week, options.partClass);
  return {
    version: SHIFT_SUMMARY_VERSION,
    run: refOf(run),
    previous: previous ? refOf(previous) : null,
    weekAgo: weekAgo ? refOf(weekAgo) : null,
    partClass: options.partClass ?? null,
    repairLedger: now.counts.repairs !== null,
    ...rows,
    alerts: now.alerts,
    images,
  };
}
