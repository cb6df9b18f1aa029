/**
 * The dashboard's panel queries over the rollups (store/rollups/schema.ts), for any window at the three
 * resolutions: the stores that keep rollups declare them (StoreCapabilities.panels). Implemented once, in
 * SQL both DuckDB and PostgreSQL accept, by sql/panel-sql.ts; each store hands it a dialect (how tables are
 * named, how a timestamp column becomes epoch ms). Every value from a request travels as a bound parameter;
 * only table and column names from this file are ever text.
 */
import type { CameraRow } from './reader.ts';

/** Which cameras and classes a panel covers; an empty or absent list means all. */
export interface PanelFilter {
  regions?: readonly string[];
  sites?: readonly string[];
  /** Camera names (combine with sites to pick one camera of one site). */
  cameras?: readonly string[];
  /** Detection classes: narrows the class panel and the detections counted per camera. */
  classes?: readonly string[];
}

export interface PanelQuery extends PanelFilter {
  /** [fromMs, toMs), both multiples of stepMs. */
  fromMs: number;
  toMs: number;
  /** One of the rollup levels: 60,000, 300,000 or 3,600,000. */
  stepMs: number;
}

/** Per camera and period. */
export interface CountRow {
  period: number;
  region: string;
  site: string;
  camera: string;
  events: number;
  detections: number;
  minSeq: number;
  maxSeq: number;
  lastCaptured: number;
}

export interface ClassPeriodRow {
  period: number;
  class: string;
  detections: number;
}

/** Detections of the filtered classes per camera and period (the per-camera panel under a class filter). */
export interface CameraDetectionRow {
  period: number;
  region: string;
  site: string;
  camera: string;
  detections: number;
}

/** Bucket counts of one histogram kind (store/rollups/histogram.ts HISTOGRAMS), summed over the filtered cameras. */
export interface HistogramRow {
  period: number;
  kind: number;
  bucket: number;
  n: number;
}

/**
 * Of one histogram kind in one period, summed over the filtered cameras: the bucket holding each asked
 * percentile (nearest rank, as Histogram.percentile), found by the store so a day of buckets never leaves it.
 */
export interface PercentileRow {
  period: number;
  kind: number;
  /** One bucket per asked percentile, in the order asked. */
  buckets: number[];
}

/** Bucket counts of one histogram kind over the whole window, summed over the filtered cameras. */
export interface WindowBucketRow {
  kind: number;
  bucket: number;
  n: number;
}

export interface HeartbeatRow {
  period: number;
  region: string;
  site: string;
  camera: string;
  outboxDepth: number;
  oldestUnsentMs: number;
  drops: number;
}

export interface ConsumerRow {
  period: number;
  consumer: string;
  inFlight: number;
  pending: number;
}

/** A camera's state changed (as received by a consumer), or, before the window, its state as the window opened. */
export interface StatusChange {
  region: string;
  site: string;
  camera: string;
  state: string;
  atMs: number;
}

export interface PeriodCount {
  period: number;
  n: number;
}

export interface PanelReader {
  counts(q: PanelQuery): Promise<CountRow[]>;
  classes(q: PanelQuery): Promise<ClassPeriodRow[]>;
  cameraDetections(q: PanelQuery): Promise<CameraDetectionRow[]>;
  histograms(q: PanelQuery): Promise<HistogramRow[]>;
  /** `percentiles` are whole numbers from 1 to 100. */
  percentiles(q: PanelQuery, percentiles: readonly number[]): Promise<PercentileRow[]>;
  windowBuckets(q: PanelQuery): Promise<WindowBucketRow[]>;
  heartbeats(q: PanelQuery): Promise<HeartbeatRow[]>;
  /** Per period: the sum over cameras of each one's largest outbox depth. */
  outboxDepth(q: PanelQuery): Promise<PeriodCount[]>;
  /** Per period: seq numbers missing, summed over cameras (health.ts seqGapsPerPeriod's rule). */
  seqGaps(q: PanelQuery): Promise<PeriodCount[]>;
  consumers(q: PanelQuery): Promise<ConsumerRow[]>;
  deadLetters(q: PanelQuery): Promise<PeriodCount[]>;
  /** Changes inside the window, and each camera's last change before it. */
  statusChanges(q: PanelQuery): Promise<StatusChange[]>;
  /**
   * Every known camera, all time, from the rollups and the latest status (StoreReader.cameras reads the raw
   * tables). `nowMs` (default the clock) ends the five minutes the clock offsets are read over (clock-offsets.ts).
   */
  cameraList(nowMs?: number): Promise<CameraRow[]>;
}

/** What a store tells panel-sql.ts about its SQL. */
export interface PanelDialect {
  /** A table's name as the store's SQL must spell it (schema-qualified in PostgreSQL). */
  table(name: string): string;
  /** A timestamp column as epoch milliseconds (a number). */
  epochMs(column: string): string;
  /** Epoch ms in a bound parameter as a timestamp. */
  timestamp(param: string): string;
  /** Rows of a level table as a panel must read them: DuckDB adds its journal (rows not yet compacted). */
  source(table: string, journal: string, stepMs: number, columns: readonly string[]): string;
  /**
   * True where `source` holds at most one row per rollup key (PostgreSQL upserts on the key), so a read grouped by
   * the whole key takes the measures as they are, with no aggregate and no hash table.
   */
  readonly oneRowPerKey?: boolean;
  /** Runs a statement with positional parameters $1, $2, ... */
  rows(sql: string, params: readonly (string | number)[]): Promise<Record<string, unknown>[]>;
  /** A status.v1 body column as an object. */
  body(value: unknown): Record<string, unknown>;
}
