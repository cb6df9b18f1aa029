/**
 * One camera as the page shows it, in the overview (overview.ts, from the raw tables) and in the cameras
 * panel (cameras.ts, from the rollups): both built here from the store's one camera row (store/reader.ts).
 */
import { cameraKey } from '../../contract/index.ts';
import type { CameraRow } from '../../store/reader.ts';
import type { RepairFigures } from './repair.ts';

export interface CameraView {
  /** `region/site/camera`: unique, and the series label on the overview's chart. */
  key: string;
  region: string;
  site: string;
  camera: string;
  /** `unknown` when the camera never sent a status. */
  state: 'online' | 'offline' | 'unknown';
  /** When the consumer received the last status, epoch ms. */
  statusAt: number | null;
  lastEventAt: number | null;
  /** serverTime - lastEventAt: last seen, independent of the viewer's clock. */
  lastEventAgeMs: number | null;
  /** All time. */
  events: number;
  detections: number;
  /**
   * seq numbers missing in the window (settled), or null (shown as —) when the store gave no answer for this
   * camera (it stored no settled events there): no answer is not "none missing".
   */
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
  /**
   * Commit time - captured_at at its floor over the last five minutes: the camera's clock offset
   * (positive: behind; store/clock-offsets.ts); null when no consumer committed its events then.
   */
  clockOffsetMs: number | null;
}

/** `repair`: the camera's figures (repair.ts cameraRepair), null without a ledger. */
export function cameraView(row: CameraRow, now: number, missing: number | null, repair: RepairFigures | null): CameraView {
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
    missing,
    repairing: repair?.repairing ?? null,
    lost: repair?.lost ?? null,
    lostReasons: repair?.lostReasons ?? null,
    repaired: repair?.repaired ?? null,
    outboxDepth: row.outboxDepth,
    drops: row.drops,
    clockOffsetMs: row.clockOffsetMs,
  };
}
