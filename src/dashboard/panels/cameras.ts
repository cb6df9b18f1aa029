import { cameraKey, INFERENCE_STATUS_FIELDS, type StatusV1 } from '../../contract/index.ts';
import type { CountRow, PanelReader } from '../../store/panel-reader.ts';
import type { PanelWindow } from '../panel-window.ts';
import { seqGapsPerPeriod } from './health.ts';
import { periodsOf } from './periods.ts';
import { cameraRepair, matchesFilter, type RepairPanel } from './repair.ts';

export interface CameraView {
  key: string;
  region: string;
  site: string;
  camera: string;
  state: 'online' | 'offline' | 'unknown';
  /** When the consumer received the last status, epoch ms. */
  statusAt: number | null;
  lastEventAt: number | null;
  /** serverTime - lastEventAt: last seen, independent of the viewer's clock. */
  lastEventAgeMs: number | null;
  /** All time. */
  events: number;
  detections: number;
  /** In the window. */
  windowDetections: number;
  /** seq numbers missing in the window's complete periods; null (shown as —) when it stored no events there: no answer is not "none missing". */
  missing: number | null;
  /** Of those, being repaired now ("missing, repairing"); null (—) when the store keeps no repair ledger. */
  repairing: number | null;
  /** Confirmed lost in the window ("lost, confirmed"), and why; null without a ledger. */
  lost: number | null;
  lostReasons: Record<string, number> | null;
  /** Repaired in the window. */
  repaired: number | null;
  /** From the last heartbeat. */
  outboxDepth: number | null;
  drops: number | null;
  /** Inference figures the edge reports in status.v1 (issue 8), when it does: name -> value. */
  edge: Record<string, number>;
  /**
   * Commit time - captured_at at its floor over the last five minutes: the camera's clock offset
   * (positive: behind; store/clock-offsets.ts); null when no consumer committed its events then.
   */
  clockOffsetMs: number | null;
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
): Promise<{ cameras: CameraView[]; all: { region: string; site: string; camera: string }[] }> {
  const [list, rows] = await Promise.all([reader.cameraList(now), counts ? Promise.resolve(counts) : reader.counts(w)]);
  const gaps = seqGapsPerPeriod(rows, periodsOf(w)).perCamera;
  const inWindow = new Map<string, number>();
  for (const r of rows) inWindow.set(cameraKey(r), (inWindow.get(cameraKey(r)) ?? 0) + r.detections);
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const cameras = list
    .filter((c) => matchesFilter(w, c))
    .map((c): CameraView => {
      const key = cameraKey(c);
      const edge: Record<string, number> = {};
      for (const f of EDGE_FIELDS) if (number(c.heartbeat[f]) !== null) edge[f] = c.heartbeat[f] as number;
      const r = cameraRepair(repair, key);
      return {
        key,
        region: c.region,
        site: c.site,
        camera: c.camera,
        state: c.state ?? 'unknown',
        statusAt: c.statusAt,
        lastEventAt: c.lastEventAt,
        lastEventAgeMs: c.lastEventAt === null ? null : Math.max(0, now - c.lastEventAt),
        events: c.events,
        detections: c.detections,
        windowDetections: inWindow.get(key) ?? 0,
        missing: gaps.get(key) ?? null,
        repairing: r?.repairing ?? null,
        lost: r?.lost ?? null,
        lostReasons: r?.lostReasons ?? null,
        repaired: r?.repaired ?? null,
        outboxDepth: number(c.heartbeat.outbox_depth),
        drops: number(c.heartbeat.drops),
        edge,
        clockOffsetMs: c.clockOffsetMs,
      };
    });
  return { cameras, all: list.map((c) => ({ region: c.region, site: c.site, camera: c.camera })) };
}
