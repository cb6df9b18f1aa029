/**
 * The figures of one time window, per camera, that a shift summary is made of (src/alerting/shifts/summary.ts):
 * the stores that keep rollups declare them (StoreCapabilities.shiftCounts). Implemented once, in SQL both
 * DuckDB and PostgreSQL accept, by sql/shift-sql.ts over the per-minute rollups where they are exact (a shift
 * starts and ends on whole minutes) and the raw tables otherwise. The store knows no shifts: only windows.
 */
import type { CameraKey } from './repair-ledger.ts';

/** [fromMs, toMs): both whole minutes (epoch ms divisible by 60,000). */
export interface ShiftWindow {
  fromMs: number;
  toMs: number;
}

/** Per camera over the window, from rollup_counts_1m and rollup_heartbeats_1m. */
export interface ShiftCameraCounts extends CameraKey {
  /** Events stored with captured_at in the window. */
  events: number;
  /** Detections (boxes) of those events. */
  detections: number;
  /** Minutes of the window holding at least one stored event (by captured_at). */
  minutesWithEvents: number;
  /** Minutes holding an event or a status heartbeat (by the consumer's receive time). */
  minutesHeard: number;
}

export interface ShiftClassCounts extends CameraKey {
  class: string;
  detections: number;
}

/** Per camera: seqs of the repair-ledger ranges detected in the window, by their state now. */
export interface ShiftRepairCounts extends CameraKey {
  lost: number;
  repaired: number;
  repairing: number;
}

/** Dead letters received in the window, by the camera their topic names (empty strings when it names none). */
export interface ShiftDeadLetterCounts extends CameraKey {
  n: number;
}

/** One row of the alert engine's notification outbox (store/alert-state.ts), one per receiver. */
export interface ShiftNotificationRow {
  createdAt: number;
  body: unknown;
}

/** One instance from the alert engine's state (store/alert-state.ts alert_instances). */
export interface ShiftInstanceRow {
  key: string;
  rule: string;
  state: string;
  body: unknown;
}

export interface ShiftCountsResult {
  /** Every camera the store knows (its status or any stored event), with zeros where it sent nothing in the window. */
  cameras: ShiftCameraCounts[];
  classes: ShiftClassCounts[];
  /** Null when the store holds no repair ledger (no consumer repairs into it). */
  repairs: ShiftRepairCounts[] | null;
  deadLetters: ShiftDeadLetterCounts[];
}

export interface ShiftCounts {
  /**
   * The figures of each window, in the order asked (a summary asks for its run, the previous shift and the same
   * shift a week earlier at once: one query per figure, not three). Throws SEAM_ERR_BAD_QUERY when a bound is
   * not a whole minute or a window is empty.
   */
  counts(windows: readonly ShiftWindow[]): Promise<ShiftCountsResult[]>;
  /**
   * The alert engine's notifications created from `sinceMs` on, oldest first, and its instances now; empty
   * when no engine has kept its state in this store.
   */
  alertHistory(sinceMs: number): Promise<{ notifications: ShiftNotificationRow[]; instances: ShiftInstanceRow[] }>;
}
