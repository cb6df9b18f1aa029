/**
 * The repair ledger's tables (repair_meta, repair_cameras, repair_ranges) and their rows, as both SQL stores
 * spell them: the DDL, the columns, and the mapping between a row and a RepairCamera or RepairRange.
 */
import type { LossReason, RepairCamera, RepairRange } from '../repair-ledger.ts';

/**
 * The repair ledger in SQL, once for both SQL stores. The statements differ only in how a millisecond
 * becomes a timestamp, how a timestamp becomes milliseconds and how an event id is compared, so each
 * store supplies those three (its dialect) and how to run a statement; everything else is here.
 * Parameters are positional ($1...) in both DuckDB and PostgreSQL.
 */
export interface Dialect {
  /** A parameter holding epoch ms, as a timestamp. */
  ts(param: string): string;
  /** A timestamp expression as epoch ms. */
  epochMs(expr: string): string;
  /** A parameter holding an event id (text), comparable with the events table's event_id. */
  eventId(param: string): string;
  /** A table name, schema-qualified where the store has schemas. */
  t(table: string): string;
}

export type Row = Record<string, unknown>;

export const n = (v: unknown): number => Number(v);
export const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const CAMERA_COLUMNS = `region, site, camera, incarnation, incarnation_started_ms, watermark, scanned_to_ms, acked_through, announced_at_ms, owner, lease_until_ms`;
export const RANGE_COLUMNS = `id, region, site, camera, incarnation, from_seq, to_seq, state, reason, detected_at_ms, attempts, next_attempt_ms, resolved_at_ms`;

export function ledgerDdl(d: Dialect): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${d.t('repair_meta')} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${d.t('repair_cameras')} (
      region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL,
      incarnation VARCHAR NOT NULL, incarnation_started_ms BIGINT NOT NULL, watermark BIGINT NOT NULL,
      scanned_to_ms BIGINT NOT NULL, acked_through BIGINT NOT NULL, announced_at_ms BIGINT NOT NULL,
      owner VARCHAR, lease_until_ms BIGINT NOT NULL, PRIMARY KEY (region, site, camera))`,
    `CREATE TABLE IF NOT EXISTS ${d.t('repair_ranges')} (
      id VARCHAR PRIMARY KEY, region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL,
      incarnation VARCHAR NOT NULL, from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL, state VARCHAR NOT NULL,
      reason VARCHAR, detected_at_ms BIGINT NOT NULL, attempts INTEGER NOT NULL, next_attempt_ms BIGINT NOT NULL,
      resolved_at_ms BIGINT)`,
  ];
}

export const toCamera = (r: Row): RepairCamera => ({
  region: String(r.region),
  site: String(r.site),
  camera: String(r.camera),
  incarnation: String(r.incarnation),
  incarnationStartedMs: n(r.incarnation_started_ms),
  watermark: n(r.watermark),
  scannedToMs: n(r.scanned_to_ms),
  ackedThrough: n(r.acked_through),
  announcedAtMs: n(r.announced_at_ms),
  owner: r.owner === null || r.owner === undefined ? null : String(r.owner),
  leaseUntilMs: n(r.lease_until_ms),
});

export const toRange = (r: Row): RepairRange => ({
  id: String(r.id),
  region: String(r.region),
  site: String(r.site),
  camera: String(r.camera),
  incarnation: String(r.incarnation),
  from: n(r.from_seq),
  to: n(r.to_seq),
  state: String(r.state) as RepairRange['state'],
  reason: r.reason === null || r.reason === undefined ? null : (String(r.reason) as LossReason),
  detectedAtMs: n(r.detected_at_ms),
  attempts: n(r.attempts),
  nextAttemptMs: n(r.next_attempt_ms),
  resolvedAtMs: nOrNull(r.resolved_at_ms),
});

export const cameraParams = (c: RepairCamera) => [
  c.region,
  c.site,
  c.camera,
  c.incarnation,
  c.incarnationStartedMs,
  c.watermark,
  c.scannedToMs,
  c.ackedThrough,
  c.announcedAtMs,
  c.owner,
  c.leaseUntilMs,
];
export const rangeParams = (r: RepairRange) => [
  r.id,
  r.region,
  r.site,
  r.camera,
  r.incarnation,
  r.from,
  r.to,
  r.state,
  r.reason,
  r.detectedAtMs,
  r.attempts,
  r.nextAttemptMs,
  r.resolvedAtMs,
];
export const placeholders = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => `$${i + 1 + offset}`).join(', ');

/** One ledger statement runner: the store's connection or pool, and transactions on it. */
export interface SqlRunner {
  rows(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `fn` in one transaction; its statements go through the runner it is given. */
  transaction<T>(fn: (tx: Pick<SqlRunner, 'rows'>) => Promise<T>): Promise<T>;
}
