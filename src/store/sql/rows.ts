import type { CameraClassRow, CameraRow, ClassRow, MinuteRow, SeqGapRow } from '../reader.ts';

/** Rows as SQL drivers return them: column name to value (numbers may come back as bigint or string). */
export type SqlRow = Record<string, unknown>;

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The SQL stores' readers select the same column names, so one mapping serves them all. */
export const toMinuteRow = (r: SqlRow): MinuteRow => ({
  region: String(r.region),
  site: String(r.site),
  camera: String(r.camera),
  minute: num(r.minute),
  events: num(r.events),
  detections: num(r.detections),
});

/** `heartbeat` is the last status.v1 body; its counters are optional. */
export const toCameraRow = (r: SqlRow, heartbeat: Record<string, unknown>): CameraRow => ({
  region: String(r.region),
  site: String(r.site),
  camera: String(r.camera),
  state: r.state === 'online' || r.state === 'offline' ? r.state : null,
  statusAt: numOrNull(r.status_at),
  lastEventAt: numOrNull(r.last_event),
  events: num(r.events),
  detections: num(r.detections),
  outboxDepth: numOrNull(heartbeat.outbox_depth),
  oldestUnsentMs: numOrNull(heartbeat.oldest_unsent_ms),
  drops: numOrNull(heartbeat.drops),
  heartbeat,
  clockOffsetMs: null,
});

export const toClassRow = (r: SqlRow): ClassRow => ({ class: String(r.class), detections: num(r.detections) });

export const toSeqGapRow = (r: SqlRow): SeqGapRow => ({
  region: String(r.region),
  site: String(r.site),
  camera: String(r.camera),
  missing: num(r.missing),
});

export const toCameraClassRow = (r: SqlRow): CameraClassRow => ({
  region: String(r.region),
  site: String(r.site),
  camera: String(r.camera),
  class: String(r.class),
  detections: num(r.detections),
});
