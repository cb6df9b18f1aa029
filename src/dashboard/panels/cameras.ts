import { cameraKey, INFERENCE_STATUS_FIELDS, type StatusV1 } from '../../contract/index.ts';
import type { CountRow, PanelReader } from '../../store/panel-reader.ts';
import type { PanelWindow } from './window.ts';
import { seqGapsPerPeriod } from './health.ts';
import { periodsOf } from './periods.ts';
import { cameraRepair, matchesFilter, type RepairPanel } from './repair.ts';
import { cameraView, type CameraView } from './camera-view.ts';

/** A camera in the cameras panel: the page's view of it (camera-view.ts), with its window and edge figures. */
export interface CameraPanelRow extends CameraView {
  /** Detections in the window. */
  windowDetections: number;
  /** Inference figures the edge reports in status.v1 (issue 8), when it does: name -> value. */
  edge: Record<string, number>;
}

/** status.v1 fields of the edge inference work, shown per camera when a bridge sends them. */
// `satisfies` makes a misspelt field a type error rather than a figure the panel silently never shows.
const EDGE_FIELDS = ['frames', ...INFERENCE_STATUS_FIELDS] as const satisfies readonly (keyof StatusV1)[];

export async function camerasPanel(
  reader: PanelReader,
  w: PanelWindow,
  now: number,
  counts?: CountRow[],
  repair: RepairPanel | null = null,
): Promise<{ cameras: CameraPanelRow[]; all: { region: string; site: string; camera: string }[] }> {
  const [list, rows] = await Promise.all([reader.cameraList(now), counts ? Promise.resolve(counts) : reader.counts(w)]);
  const gaps = seqGapsPerPeriod(rows, periodsOf(w)).perCamera;
  const inWindow = new Map<string, number>();
  for (const r of rows) inWindow.set(cameraKey(r), (inWindow.get(cameraKey(r)) ?? 0) + r.detections);
  const cameras = list
    .filter((c) => matchesFilter(w, c))
    .map((c): CameraPanelRow => {
      const key = cameraKey(c);
      const edge: Record<string, number> = {};
      for (const f of EDGE_FIELDS) {
        const v = c.heartbeat[f];
        if (typeof v === 'number' && Number.isFinite(v)) edge[f] = v;
      }
      return { ...cameraView(c, now, gaps.get(key) ?? null, cameraRepair(repair, key)), windowDetections: inWindow.get(key) ?? 0, edge };
    });
  return { cameras, all: list.map((c) => ({ region: c.region, site: c.site, camera: c.camera })) };
}
