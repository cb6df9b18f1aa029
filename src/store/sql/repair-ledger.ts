import { cameraKey } from '../../contract/index.ts';
import { v7 as uuidv7 } from 'uuid';
import type {
  CameraKey,
  CommittedSpan,
  LossReason,
  RepairCamera,
  RepairLedger,
  RepairRange,
  RepairSummaryRow,
  Span,
} from '../repair-ledger.ts';
import { uuidFloor } from '../repair-ledger.ts';

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

const n = (v: unknown): number => Number(v);
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const CAMERA_COLUMNS = `region, site, camera, incarnation, incarnation_started_ms, watermark, scanned_to_ms, acked_through, announced_at_ms, owner, lease_until_ms`;
const RANGE_COLUMNS = `id, region, site, camera, incarnation, from_seq, to_seq, state, reason, detected_at_ms, attempts, next_attempt_ms, resolved_at_ms`;

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

const cameraParams = (c: RepairCamera) => [
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
const rangeParams = (r: RepairRange) => [
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
const placeholders = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => `$${i + 1 + offset}`).join(', ');

/** A new range row with a fresh id. */
export function newRange(fields: Omit<RepairRange, 'id'> & { id?: string }): RepairRange {
  return { ...fields, id: uuidv7() };
}

/** One ledger statement runner: the store's connection or pool, and transactions on it. */
export interface SqlRunner {
  rows(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `fn` in one transaction; its statements go through the runner it is given. */
  transaction<T>(fn: (tx: Pick<SqlRunner, 'rows'>) => Promise<T>): Promise<T>;
}

/** The ledger on any SQL store, given its dialect and runner. */
export class SqlRepairLedger implements RepairLedger {
  constructor(
    protected readonly d: Dialect,
    protected readonly sql: SqlRunner,
    /** Opened by a reader only (seamline dashboard): the tables are the consumer's to create. */
    private readonly readOnly = false,
  ) {}

  async open(): Promise<void> {
    if (this.readOnly) return;
    await this.sql.transaction((tx) => this.create(tx));
  }

  /** Creates the tables (if missing) and records when the ledger began, inside the open transaction. */
  protected async create(tx: Pick<SqlRunner, 'rows'>): Promise<void> {
    for (const statement of ledgerDdl(this.d)) await tx.rows(statement);
    await tx.rows(`INSERT INTO ${this.d.t('repair_meta')} (key, value) VALUES ('created_at_ms', $1) ON CONFLICT (key) DO NOTHING`, [
      String(Date.now()),
    ]);
  }

  async createdAtMs(): Promise<number> {
    const [r] = await this.sql.rows(`SELECT value FROM ${this.d.t('repair_meta')} WHERE key = 'created_at_ms'`);
    return n(r?.value);
  }

  async cameras(): Promise<RepairCamera[]> {
    return (await this.sql.rows(`SELECT ${CAMERA_COLUMNS} FROM ${this.d.t('repair_cameras')} ORDER BY region, site, camera`)).map(toCamera);
  }

  async insertCamera(c: RepairCamera): Promise<boolean> {
    const rows = await this.sql.rows(
      `INSERT INTO ${this.d.t('repair_cameras')} (${CAMERA_COLUMNS}) VALUES (${placeholders(11)})
       ON CONFLICT (region, site, camera) DO NOTHING RETURNING camera`,
      cameraParams(c),
    );
    return rows.length === 1;
  }

  async claim(owner: string, nowMs: number, leaseMs: number): Promise<RepairCamera[]> {
    const rows = await this.sql.rows(
      `UPDATE ${this.d.t('repair_cameras')} SET owner = $1, lease_until_ms = $2
       WHERE owner = $1 OR owner IS NULL OR lease_until_ms < $3 RETURNING ${CAMERA_COLUMNS}`,
      [owner, nowMs + leaseMs, nowMs],
    );
    return rows.map(toCamera);
  }

  async release(owner: string): Promise<void> {
    await this.sql.rows(`UPDATE ${this.d.t('repair_cameras')} SET owner = NULL, lease_until_ms = 0 WHERE owner = $1`, [owner]);
  }

  /** Inside a transaction: true while `owner` holds the camera's lease. */
  private async holds(tx: Pick<SqlRunner, 'rows'>, owner: string, nowMs: number, c: CameraKey): Promise<boolean> {
    const rows = await tx.rows(
      `SELECT 1 AS held FROM ${this.d.t('repair_cameras')} WHERE region = $1 AND site = $2 AND camera = $3 AND owner = $4 AND lease_until_ms >= $5`,
      [c.region, c.site, c.camera, owner, nowMs],
    );
    return rows.length === 1;
  }

  private async insertRanges(tx: Pick<SqlRunner, 'rows'>, ranges: RepairRange[]): Promise<void> {
    for (const r of ranges)
      await tx.rows(`INSERT INTO ${this.d.t('repair_ranges')} (${RANGE_COLUMNS}) VALUES (${placeholders(13)})`, rangeParams(r));
  }

  async update(owner: string, nowMs: number, c: RepairCamera, added: RepairRange[]): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      if (!(await this.holds(tx, owner, nowMs, c))) return false;
      await tx.rows(
        `UPDATE ${this.d.t('repair_cameras')} SET incarnation = $4, incarnation_started_ms = $5, watermark = $6, scanned_to_ms = $7,
           acked_through = $8, announced_at_ms = $9 WHERE region = $1 AND site = $2 AND camera = $3`,
        cameraParams(c).slice(0, 9),
      );
      await this.insertRanges(tx, added);
      return true;
    });
  }

  async committedSince(sinceMs: number, cutoffMs: number): Promise<CommittedSpan[]> {
    const { ts, epochMs, t } = this.d;
    const upTo = `committed_at <= ${ts('$2')}`;
    const rows = await this.sql.rows(
      `SELECT region, site, camera, min(seq) FILTER (WHERE ${upTo}) AS lo, max(seq) FILTER (WHERE ${upTo}) AS hi,
              count(DISTINCT seq) FILTER (WHERE ${upTo}) AS seqs, count(*) FILTER (WHERE ${upTo}) AS n,
              ${epochMs('max(committed_at)')} AS last_committed
       FROM ${t('events')} WHERE committed_at > ${ts('$1')} GROUP BY region, site, camera`,
      [sinceMs, cutoffMs],
    );
    return rows.map((r) => ({
      region: String(r.region),
      site: String(r.site),
      camera: String(r.camera),
      lo: nOrNull(r.lo),
      hi: nOrNull(r.hi),
      seqs: n(r.seqs),
      rows: n(r.n),
      lastCommittedMs: n(r.last_committed),
    }));
  }

  async holes(
    c: CameraKey,
    afterSeq: number,
    sinceMs: number,
    cutoffMs: number,
    floorMs: number,
  ): Promise<{ holes: Span[]; maxSeq: number | null }> {
    const { ts, eventId, t } = this.d;
    const where = `region = $1 AND site = $2 AND camera = $3 AND seq > $4 AND committed_at > ${ts('$5')} AND committed_at <= ${ts('$6')}
                   AND event_id >= ${eventId('$7')}`;
    const params = [c.region, c.site, c.camera, afterSeq, sinceMs, cutoffMs, uuidFloor(floorMs)];
    const rows = await this.sql.rows(
      `WITH s AS (SELECT DISTINCT seq FROM ${t('events')} WHERE ${where}), l AS (SELECT seq, lag(seq, 1, CAST($4 AS BIGINT)) OVER (ORDER BY seq) AS prev FROM s)
       SELECT prev + 1 AS a, seq - 1 AS b FROM l WHERE seq > prev + 1 ORDER BY a`,
      params,
    );
    const [m] = await this.sql.rows(`SELECT max(seq) AS m FROM ${t('events')} WHERE ${where}`, params);
    return { holes: rows.map((r) => [n(r.a), n(r.b)] as Span), maxSeq: nOrNull(m?.m) };
  }

  async maxSeq(c: CameraKey, floorMs: number, cutoffMs: number): Promise<number | null> {
    const [r] = await this.sql.rows(
      `SELECT max(seq) AS m FROM ${this.d.t('events')} WHERE region = $1 AND site = $2 AND camera = $3
         AND event_id >= ${this.d.eventId('$4')} AND committed_at <= ${this.d.ts('$5')}`,
      [c.region, c.site, c.camera, uuidFloor(floorMs), cutoffMs],
    );
    return nOrNull(r?.m);
  }

  async present(c: CameraKey, from: number, to: number, floorMs: number): Promise<Span[]> {
    const rows = await this.sql.rows(
      `WITH s AS (SELECT DISTINCT seq FROM ${this.d.t('events')} WHERE region = $1 AND site = $2 AND camera = $3
                  AND seq >= $4 AND seq <= $5 AND event_id >= ${this.d.eventId('$6')}),
            g AS (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM s)
       SELECT min(seq) AS a, max(seq) AS b FROM g GROUP BY island ORDER BY a`,
      [c.region, c.site, c.camera, from, to, uuidFloor(floorMs)],
    );
    return rows.map((r) => [n(r.a), n(r.b)] as Span);
  }

  async offline(): Promise<CameraKey[]> {
    const rows = await this.sql.rows(`SELECT region, site, camera FROM ${this.d.t('camera_status')} WHERE state = 'offline'`);
    return rows.map((r) => ({ region: String(r.region), site: String(r.site), camera: String(r.camera) }));
  }

  async repairing(cameras?: CameraKey[]): Promise<RepairRange[]> {
    const rows = (
      await this.sql.rows(
        `SELECT ${RANGE_COLUMNS} FROM ${this.d.t('repair_ranges')} WHERE state = 'repairing' ORDER BY region, site, camera, from_seq`,
      )
    ).map(toRange);
    if (!cameras) return rows;
    const wanted = new Set(cameras.map((c) => cameraKey(c)));
    return rows.filter((r) => wanted.has(cameraKey(r)));
  }

  async replace(owner: string, nowMs: number, old: RepairRange, pieces: RepairRange[]): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      if (!(await this.holds(tx, owner, nowMs, old))) return false;
      // Gone already (resolved by an earlier answer): writing its pieces again would count them twice.
      const deleted = await tx.rows(`DELETE FROM ${this.d.t('repair_ranges')} WHERE id = $1 RETURNING id`, [old.id]);
      if (deleted.length === 0) return false;
      await this.insertRanges(tx, pieces);
      return true;
    });
  }

  async ranges(c: CameraKey, limit = 1000): Promise<RepairRange[]> {
    const rows = await this.sql.rows(
      `SELECT ${RANGE_COLUMNS} FROM ${this.d.t('repair_ranges')} WHERE region = $1 AND site = $2 AND camera = $3 ORDER BY from_seq LIMIT ${Math.floor(limit)}`,
      [c.region, c.site, c.camera],
    );
    return rows.map(toRange);
  }

  async summary(fromMs = 0, toMs = Number.MAX_SAFE_INTEGER, staleBeforeMs = toMs): Promise<RepairSummaryRow[]> {
    const size = '(to_seq - from_seq + 1)';
    const resolved = `resolved_at_ms >= $1 AND resolved_at_ms < $2`;
    const lost = (reason: LossReason) =>
      `sum(CASE WHEN state = 'lost' AND reason = '${reason}' AND ${resolved} THEN ${size} ELSE 0 END) AS lost_${reason}`;
    const rows = await this.sql.rows(
      `SELECT region, site, camera,
              sum(CASE WHEN state = 'repairing' THEN ${size} ELSE 0 END) AS repairing,
              sum(CASE WHEN state = 'repairing' AND detected_at_ms < $3 THEN ${size} ELSE 0 END) AS stale,
              sum(CASE WHEN state = 'repaired' AND ${resolved} THEN ${size} ELSE 0 END) AS repaired,
              ${lost('evicted')}, ${lost('dropped')}, ${lost('outbox_reset')}, ${lost('unanswered')},
              min(detected_at_ms) FILTER (WHERE state = 'repairing') AS oldest,
              max(resolved_at_ms - detected_at_ms) FILTER (WHERE state = 'repaired' AND ${resolved}) AS longest
       FROM ${this.d.t('repair_ranges')} GROUP BY region, site, camera ORDER BY region, site, camera`,
      [fromMs, toMs, staleBeforeMs],
    );
    return rows.map((r) => {
      const lostBy: RepairSummaryRow['lost'] = {};
      for (const reason of ['evicted', 'dropped', 'outbox_reset', 'unanswered'] as const) {
        const v = n(r[`lost_${reason}`]);
        if (v > 0) lostBy[reason] = v;
      }
      return {
        region: String(r.region),
        site: String(r.site),
        camera: String(r.camera),
        repairing: n(r.repairing),
        stale: n(r.stale),
        repaired: n(r.repaired),
        lost: lostBy,
        oldestRepairingMs: nOrNull(r.oldest),
        longestRepairMs: nOrNull(r.longest),
      };
    });
  }

  async close(): Promise<void> {}
}
