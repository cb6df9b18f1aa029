/**
 * The gap finder's reads of the events table (consumer/repair/finder.ts), for the repair ledger on either SQL
 * store: what was committed since its last pass, the seq holes in it, and which seqs of a range are stored.
 */
import { uuidFloor, type CameraKey, type CommittedSpan, type Span } from '../repair-ledger.ts';
import { n, nOrNull, type Dialect, type SqlRunner } from './repair-tables.ts';

/** The ledger's reads of the events (RepairLedger's finder members); SqlRepairLedger adds the ledger's own tables. */
export class SqlEventReads {
  constructor(
    protected readonly d: Dialect,
    protected readonly sql: SqlRunner,
  ) {}

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
}
