/**
 * The repair ledger (store/repair-ledger.ts) in SQL, once for both SQL stores: each hands it a dialect and a
 * statement runner (repair-tables.ts, with the tables and their rows); the gap finder's reads of the events,
 * which it extends, are in repair-finder.ts.
 */
import { cameraKey } from '../../contract/index.ts';
import { v7 as uuidv7 } from 'uuid';
import type { CameraKey, LossReason, RepairCamera, RepairLedger, RepairRange, RepairSummaryRow } from '../repair-ledger.ts';
import { SqlEventReads } from './repair-finder.ts';
import {
  CAMERA_COLUMNS,
  cameraParams,
  type Dialect,
  ledgerDdl,
  n,
  nOrNull,
  placeholders,
  RANGE_COLUMNS,
  rangeParams,
  type SqlRunner,
  toCamera,
  toRange,
} from './repair-tables.ts';

/** A new range row with a fresh id. */
export function newRange(fields: Omit<RepairRange, 'id'> & { id?: string }): RepairRange {
  return { ...fields, id: uuidv7() };
}

/** The ledger on any SQL store, given its dialect and runner. */
export class SqlRepairLedger extends SqlEventReads implements RepairLedger {
  constructor(
    d: Dialect,
    sql: SqlRunner,
    /** Opened by a reader only (seamline dashboard): the tables are the consumer's to create. */
    private readonly readOnly = false,
  ) {
    super(d, sql);
  }

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
