/**
 * The read model: what the dashboard, the alert rules and the consumer's /metrics ask a store. Every store
 * answers every question of StoreReader; what only some stores can answer (the page's panels over the
 * rollups, the alert rules' counts over the raw tables, the repair ledger) each store declares in its
 * `capabilities` (capabilities.ts), null where it has none. Implementations: store/duckdb/reader.ts,
 * store/postgres/reader.ts, store/line-protocol/store.ts.
 */
import type { CameraId } from '../contract/index.ts';
import type { StoreCapabilities } from './capabilities.ts';
import type { ClockOffsetRow } from './clock-offsets.ts';

/** Windows are [fromMs, toMs) on captured_at. */
export interface StoreReader {
  /** What the store answers beyond these questions, and what it keeps: declared by each store. */
  readonly capabilities: StoreCapabilities;
  perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]>;
  /** Every camera the store knows, all time. `nowMs` (default the clock) ends the five minutes the clock offsets are read over. */
  cameras(nowMs?: number): Promise<CameraRow[]>;
  /** Only the cameras' clock offsets (CameraRow.clockOffsetMs) of the five minutes before `nowMs`: cheaper than cameras(). */
  clockOffsets(nowMs?: number): Promise<ClockOffsetRow[]>;
  classes(fromMs: number, toMs: number): Promise<ClassRow[]>;
  latency(fromMs: number, toMs: number): Promise<LatencyRow>;
  totals(): Promise<Totals>;
  /**
   * Per camera, seq numbers missing between the lowest and highest seq stored for events captured in
   * [fromMs, toMs). Computed from the store, so it is right however many consumers share the load.
   */
  seqGaps(fromMs: number, toMs: number): Promise<SeqGapRow[]>;
}

/** Counts the alert rules ask over any window, from the raw tables (StoreCapabilities.alertCounts). */
export interface AlertCounts {
  /** Dead letters received in [fromMs, toMs) (the dead_letters rule). */
  deadLetterCount(fromMs: number, toMs: number): Promise<number>;
  /** Detections per camera and class captured in [fromMs, toMs) (the defect_rate rule). */
  classesPerCamera(fromMs: number, toMs: number): Promise<CameraClassRow[]>;
}

/**
 * One camera as every reader returns it: StoreReader.cameras (from the raw tables), PanelReader.cameraList
 * (from the rollups); the dashboard's views and the alert rules are built from it.
 */
export interface CameraRow extends CameraId {
  /** Last status state, or null when the camera never sent a status. */
  state: 'online' | 'offline' | null;
  /** When the consumer received the last status, epoch ms. */
  statusAt: number | null;
  /** captured_at of the newest stored event, epoch ms. */
  lastEventAt: number | null;
  events: number;
  detections: number;
  /** From the last heartbeat, when the camera's bridge sent one. */
  outboxDepth: number | null;
  oldestUnsentMs: number | null;
  drops: number | null;
  /**
   * The last status.v1 body (its heartbeat counters, and what later bridges add), where the store keeps it
   * (the SQL stores); `{}` otherwise: the line-protocol stores keep the three figures above only.
   */
  heartbeat: Record<string, unknown>;
  /**
   * The smallest commit time - captured_at of the camera's events over the last five minutes of consumer
   * samples (store/clock-offsets.ts): its clock offset, or null when no consumer sampled it then.
   */
  clockOffsetMs: number | null;
}

/** A camera the store knows only by its clock offset (clock-offsets.ts withClockOffsets). */
export const emptyCameraRow = (id: CameraId): CameraRow => ({
  region: id.region,
  site: id.site,
  camera: id.camera,
  state: null,
  statusAt: null,
  lastEventAt: null,
  events: 0,
  detections: 0,
  outboxDepth: null,
  oldestUnsentMs: null,
  drops: null,
  heartbeat: {},
  clockOffsetMs: null,
});

export interface MinuteRow {
  region: string;
  site: string;
  camera: string;
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  events: number;
  detections: number;
}

/** Events missing from a camera's stored seq range: lost somewhere upstream (or dropped by the outbox bound). */
export interface SeqGapRow {
  region: string;
  site: string;
  camera: string;
  missing: number;
}

export interface ClassRow {
  class: string;
  detections: number;
}

/** Detections of one class from one camera (the alerting defect-rate rule). */
export interface CameraClassRow extends ClassRow {
  region: string;
  site: string;
  camera: string;
}

export interface Totals {
  events: number;
  detections: number;
  deadLetters: number;
}

export interface LatencyRow {
  /** p50 / p99 of inferred_at - captured_at, ms, over the window. */
  inferenceP50Ms: number | null;
  inferenceP99Ms: number | null;
  /** p50 / p99 of committed_at - captured_at, ms, over the window. */
  lagP50Ms: number | null;
  lagP99Ms: number | null;
}
