/**
 * Everything the page draws for one window and filter, built from the rollups. One document, so the
 * panels never disagree about the instant they show. PANELS lists them one by one for `bench dashboard`.
 */
import type { PanelReader } from '../../store/panel-reader.ts';
import type { RepairLedgerAccess } from '../../store/repair-ledger.ts';
import type { PanelWindow } from './window.ts';
import { camerasPanel, type CameraPanelRow } from './cameras.ts';
import { classesPanel, type ClassesPanel } from './classes.ts';
import { detectionsPanel, type DetectionsPanel } from './detections.ts';
import { healthPanel, type HealthPanel } from './health.ts';
import { latencyPanel, type LatencyPanel } from './latency.ts';
import { periodsOf } from './periods.ts';
import { repairPanel, type RepairFigures } from './repair.ts';
import { timelinePanel, type TimelineRow } from './timeline.ts';

export interface Panels {
  serverTime: number;
  window: Omit<PanelWindow, 'regions' | 'sites' | 'cameras' | 'classes'>;
  filter: { region: string[]; site: string[]; camera: string[]; class: string[] };
  /** The x axis of every time series: complete periods only. */
  periods: number[];
  detections: DetectionsPanel;
  latency: LatencyPanel;
  classes: ClassesPanel;
  timeline: TimelineRow[];
  health: HealthPanel;
  /**
   * Of the missing seq numbers, over the filtered cameras: being repaired now, and repaired and confirmed
   * lost (by reason) in the window; null when the store keeps no repair ledger (the page shows —).
   */
  repair: RepairFigures | null;
  cameras: CameraPanelRow[];
  /** Every known region, site and camera (the filters' choices). */
  choices: { regions: string[]; sites: string[]; cameras: string[] };
  totals: { events: number; detections: number };
}

/** Each panel alone, as the bench times them. */
export const PANELS: Record<string, (reader: PanelReader, w: PanelWindow, now: number) => Promise<unknown>> = {
  detections: (r, w, now) => detectionsPanel(r, w, now),
  latency: (r, w) => latencyPanel(r, w),
  classes: (r, w) => classesPanel(r, w),
  timeline: (r, w, now) => timelinePanel(r, w, now),
  health: (r, w) => healthPanel(r, w),
  cameras: (r, w, now) => camerasPanel(r, w, now),
};

const uniq = (values: string[]) => [...new Set(values)].sort();

export async function buildPanels(
  reader: PanelReader,
  w: PanelWindow,
  now: number,
  ledger: Pick<RepairLedgerAccess, 'summary'> | null = null,
): Promise<Panels> {
  // The per-camera counts serve two panels; read once.
  const [counts, repair] = await Promise.all([reader.counts(w), repairPanel(ledger, w)]);
  const [detections, latency, classes, timeline, health, cams] = await Promise.all([
    detectionsPanel(reader, w, now, counts),
    latencyPanel(reader, w),
    classesPanel(reader, w),
    timelinePanel(reader, w, now),
    healthPanel(reader, w),
    camerasPanel(reader, w, now, counts, repair),
  ]);
  const { regions, sites, cameras, classes: cls, ...window } = w;
  return {
    serverTime: now,
    window,
    filter: { region: [...(regions ?? [])], site: [...(sites ?? [])], camera: [...(cameras ?? [])], class: [...(cls ?? [])] },
    periods: periodsOf(w),
    detections,
    latency,
    classes,
    timeline,
    health,
    repair: repair?.total ?? null,
    cameras: cams.cameras,
    choices: {
      regions: uniq(cams.all.map((c) => c.region)),
      sites: uniq(cams.all.map((c) => c.site)),
      cameras: uniq(cams.all.map((c) => c.camera)),
    },
    totals: { events: cams.cameras.reduce((a, c) => a + c.events, 0), detections: cams.cameras.reduce((a, c) => a + c.detections, 0) },
  };
}
