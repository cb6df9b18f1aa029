import type { PanelReader } from './panel-reader.ts';
import type { DetectionV1, ErrorCode, StatusV1 } from '../contract/index.ts';
import type { RepairSummaryRow } from './repair-ledger.ts';
import type { ClockOffsetRow } from './clock-offsets.ts';

/** A poison message kept with its raw bytes so it can be inspected or replayed after a fix. */
export interface DeadLetter {
  topic: string;
  payload: Buffer;
  code: ErrorCode;
  reason: string;
  receivedAt: Date;
}

export interface WriteResult {
  /** Events newly stored by this call. */
  events: number;
  /** Detection rows newly stored by this call. */
  detections: number;
  /** Events in the batch that the store already held (redeliveries); stored nothing. */
  duplicates: number;
}

/**
 * Where the consumer commits. Implementations: store/duckdb/store.ts (embedded default), and the server stores of
 * the consumer issue. Writes must be idempotent by event_id: writing the same event twice, in one batch
 * or across batches, processes or restarts, stores it once. A resolved promise means committed; a
 * rejected one means the batch may be retried as a whole (what a failed write left behind, the retry
 * finds and skips).
 *
 * A write rejects with a SeamError whose code says what the failure means, each store deciding from its
 * own server's answer (docs/consumer.md#when-the-store-says-no):
 * - SEAM_ERR_STORE_UNAVAILABLE: waiting may cure it (connection, timeout, overload). The consumer retries.
 * - SEAM_ERR_STORE_REFUSED: something in the batch cannot be stored. The consumer splits the batch until it
 *   finds the refused messages and dead-letters them; the rest commits.
 * - SEAM_ERR_CONFIG: the store itself is wrong (credentials, database, permissions). The consumer believes it
 *   only when `probe` fails too, so that no payload can pass for a broken configuration.
 */
export interface DetectionStore {
  readonly name: string;
  open(): Promise<void>;
  /**
   * `fresh`, when given, receives the captured_at (epoch ms) of each event this call newly stored, so the
   * consumer's lag histogram observes stored events only, not redeliveries the store refused.
   */
  write(events: readonly DetectionV1[], committedAt: Date, fresh?: number[]): Promise<WriteResult>;
  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /** Latest status per camera (upsert); the SQL stores also log state changes and roll up heartbeat figures. */
  writeStatus(status: StatusV1, receivedAt: Date): Promise<void>;
  /**
   * Writes one known-good event the way `write` does, where no reader sees it (rolled back, or a probe
   * series of its own), and rejects as `write` would. The consumer asks it when a batch keeps failing: the
   * probe failing too means the store or its configuration; the probe passing means the batch.
   */
  probe(): Promise<void>;
  /** A consumer's own figures every few seconds, for the health panel (the SQL stores; others need not). */
  writeConsumerSample?(sample: ConsumerSample): Promise<void>;
  close(): Promise<void>;
}

/** What a consumer process reports about itself, sampled by the consumer into the store. */
export interface ConsumerSample {
  /** Its client id. */
  consumer: string;
  atMs: number;
  /** Messages received and not yet acknowledged. */
  inFlight: number;
  /** Deliveries waiting for a commit. */
  pending: number;
  /** Per camera, the events this consumer committed since its previous sample (consumer/capture-offsets.ts). */
  cameras?: CameraClock[];
}

/**
 * How long after their captured_at one camera's events were committed, over one sample period: the
 * smallest figure is the camera's clock offset (a healthy pipeline's floor is tens of ms; a clock an hour
 * behind adds 3,600,000 ms, one ahead makes it negative).
 */
export interface CameraClock {
  region: string;
  site: string;
  camera: string;
  /** Smallest and largest commit time - captured_at, ms. */
  minLagMs: number;
  maxLagMs: number;
  events: number;
}

export interface MinuteRow {
  region: string;
  site: string;
  camera: string;
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  events: number;
  detections: number;
}

export interface CameraRow {
  region: string;
  site: string;
  camera: string;
  /** Last status state, or null when the camera never sent a status. */
  state: 'online' | 'offline' | null;
  /** When the consumer received the last status, epoch ms. */
  statusAt: number | null;
  /** captured_at of the newest stored event, epoch ms. */
  lastEventAt: number | null;
  events: number;
  detections: number;
  /** From the last heartbeat, when the camera's bridge sent one. */
  outboxDepth?: number | null;
  oldestUnsentMs?: number | null;
  drops?: number | null;
  /**
   * The smallest commit time - captured_at of the camera's events over the last five minutes of consumer
   * samples (store/clock-offsets.ts): its clock offset, or null when no consumer sampled it then.
   */
  clockOffsetMs: number | null;
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

/** The dashboard's read side. Windows are [fromMs, toMs) on captured_at. */
export interface StoreReader {
  perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]>;
  /** `nowMs` (default the clock) ends the five minutes the clock offsets are read over. */
  cameras(nowMs?: number): Promise<CameraRow[]>;
  /** Only the cameras' clock offsets (CameraRow.clockOffsetMs) of the five minutes before `nowMs`: cheaper than cameras(). */
  clockOffsets?(nowMs?: number): Promise<ClockOffsetRow[]>;
  classes(fromMs: number, toMs: number): Promise<ClassRow[]>;
  latency(fromMs: number, toMs: number): Promise<LatencyRow>;
  totals(): Promise<Totals>;
  /**
   * Per camera, seq numbers missing between the lowest and highest seq stored for events captured in
   * [fromMs, toMs). Computed from the store, so it is right however many consumers share the load.
   */
  seqGaps?(fromMs: number, toMs: number): Promise<SeqGapRow[]>;
  /** Dead letters received in [fromMs, toMs) (alerting). */
  deadLetterCount?(fromMs: number, toMs: number): Promise<number>;
  /** Detections per camera and class captured in [fromMs, toMs) (alerting). */
  classesPerCamera?(fromMs: number, toMs: number): Promise<CameraClassRow[]>;
  /**
   * Repair, per camera: seqs missing and being chased now, and those repaired or confirmed lost in
   * [fromMs, toMs) (repair-ledger.ts). Stores that keep a repair ledger (DuckDB, PostgreSQL) have it. Null
   * when the store holds no ledger: opened read-only (seamline dashboard) before any consumer created one,
   * e.g. every consumer runs with --no-repair. No ledger is not "nothing missing".
   */
  repairSummary?(fromMs?: number, toMs?: number, staleBeforeMs?: number): Promise<RepairSummaryRow[] | null>;
  /** The dashboard's panels over the rollups (the SQL stores; panel-reader.ts). */
  readonly panels?: PanelReader;
}
