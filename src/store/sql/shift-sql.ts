/**
 * ShiftCounts (shift-counts.ts) in SQL both DuckDB and PostgreSQL accept, over the store's dialect
 * (panel-reader.ts PanelDialect). Events, detections, classes and the minutes heard come from the per-minute
 * rollups, exact for a window of whole minutes; the repair ranges, dead letters and the alert engine's state
 * from their own tables, which are small. A table a reader may find missing (the repair ledger, the alert
 * state: a consumer or an engine creates them) reads as absent, not as an error.
 */
import { parseTopic, SeamError } from '../../contract/index.ts';
import type { PanelDialect } from '../panel-reader.ts';
import { CLASSES, COUNTS, HEARTBEATS } from '../rollups/schema.ts';
import type {
  ShiftCameraCounts,
  ShiftClassCounts,
  ShiftCounts,
  ShiftCountsResult,
  ShiftDeadLetterCounts,
  ShiftInstanceRow,
  ShiftNotificationRow,
  ShiftRepairCounts,
  ShiftWindow,
} from '../shift-counts.ts';
import { levelSource, Params } from './panel-where.ts';
import { num } from './rows.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const str = (v: unknown) => String(v);
const key = (r: Record<string, unknown>) => ({ region: str(r.region), site: str(r.site), camera: str(r.camera) });

export class SqlShiftCounts implements ShiftCounts {
  /** `schema`: where the store's tables are, as information_schema names it ('main' in DuckDB). */
  constructor(
    private readonly d: PanelDialect,
    private readonly schema: string,
  ) {}

  private async hasTable(name: string): Promise<boolean> {
    const [r] = await this.d.rows('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [
      this.schema,
      name,
    ]);
    return num(r?.n) > 0;
  }

  async counts(w: ShiftWindow): Promise<ShiftCountsResult> {
    for (const [field, ms] of [
      ['fromMs', w.fromMs],
      ['toMs', w.toMs],
    ] as const) {
      if (!Number.isSafeInteger(ms) || ms % MINUTE !== 0) {
        throw new SeamError('SEAM_ERR_BAD_QUERY', `shift window: ${field} must be a whole minute (epoch ms), got ${ms}`, { field });
      }
    }
    if (w.toMs <= w.fromMs) throw new SeamError('SEAM_ERR_BAD_QUERY', 'shift window: toMs must be after fromMs', { field: 'toMs' });
    const [cameras, classes, repairs, deadLetters] = await Promise.all([
      this.cameras(w),
      this.classes(w),
      this.repairs(w),
      this.deadLetters(w),
    ]);
    return { cameras, classes, repairs, deadLetters };
  }

  /**
   * Every camera the store knows (its status row, or events in any hour) with its events, detections, minutes
   * with an event (rollup_counts_1m) and minutes with an event or a heartbeat (rollup_heartbeats_1m) in the window.
   */
  private async cameras(w: ShiftWindow): Promise<ShiftCameraCounts[]> {
    const p = new Params();
    const inWindow = `period >= CAST(${p.add(w.fromMs)} AS BIGINT) AND period < CAST(${p.add(w.toMs)} AS BIGINT)`;
    const rows = await this.d.rows(
      `WITH ev AS (SELECT region, site, camera, period, sum(events) AS e, sum(detections) AS dt
                   FROM ${levelSource(this.d, COUNTS, MINUTE)} WHERE ${inWindow} GROUP BY 1, 2, 3, 4),
            heard AS (SELECT region, site, camera, count(*) AS n FROM (
                        SELECT region, site, camera, period FROM ev WHERE e > 0
                        UNION SELECT region, site, camera, period FROM ${levelSource(this.d, HEARTBEATS, MINUTE)} WHERE ${inWindow}) h
                      GROUP BY 1, 2, 3),
            evc AS (SELECT region, site, camera, sum(e) AS events, sum(dt) AS detections,
                           sum(CASE WHEN e > 0 THEN 1 ELSE 0 END) AS minutes FROM ev GROUP BY 1, 2, 3),
            known AS (SELECT region, site, camera FROM ${this.d.table('camera_status')}
                      UNION SELECT region, site, camera FROM ${levelSource(this.d, COUNTS, HOUR)}
                      UNION SELECT region, site, camera FROM heard)
       SELECT k.region, k.site, k.camera, coalesce(evc.events, 0) AS events, coalesce(evc.detections, 0) AS detections,
              coalesce(evc.minutes, 0) AS minutes, coalesce(heard.n, 0) AS heard
       FROM known k LEFT JOIN evc ON evc.region = k.region AND evc.site = k.site AND evc.camera = k.camera
                    LEFT JOIN heard ON heard.region = k.region AND heard.site = k.site AND heard.camera = k.camera
       ORDER BY 1, 2, 3`,
      p.values,
    );
    return rows.map((r) => ({
      ...key(r),
      events: num(r.events),
      detections: num(r.detections),
      minutesWithEvents: num(r.minutes),
      minutesHeard: num(r.heard),
    }));
  }

  private async classes(w: ShiftWindow): Promise<ShiftClassCounts[]> {
    const rows = await this.d.rows(
      `SELECT region, site, camera, class, sum(detections) AS detections FROM ${levelSource(this.d, CLASSES, MINUTE)}
       WHERE period >= CAST($1 AS BIGINT) AND period < CAST($2 AS BIGINT) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      [w.fromMs, w.toMs],
    );
    return rows.map((r) => ({ ...key(r), class: str(r.class), detections: num(r.detections) }));
  }

  /** Seqs of the ranges detected in the window, by their state now; null without a ledger. */
  private async repairs(w: ShiftWindow): Promise<ShiftRepairCounts[] | null> {
    if (!(await this.hasTable('repair_ranges'))) return null;
    const seqs = (state: string) => `sum(CASE WHEN state = '${state}' THEN to_seq - from_seq + 1 ELSE 0 END)`;
    const rows = await this.d.rows(
      `SELECT region, site, camera, ${seqs('lost')} AS lost, ${seqs('repaired')} AS repaired, ${seqs('repairing')} AS repairing
       FROM ${this.d.table('repair_ranges')} WHERE detected_at_ms >= CAST($1 AS BIGINT) AND detected_at_ms < CAST($2 AS BIGINT)
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [w.fromMs, w.toMs],
    );
    return rows.map((r) => ({ ...key(r), lost: num(r.lost), repaired: num(r.repaired), repairing: num(r.repairing) }));
  }

  /** By the camera the topic names; a topic that names none counts under empty strings. */
  private async deadLetters(w: ShiftWindow): Promise<ShiftDeadLetterCounts[]> {
    const rows = await this.d.rows(
      `SELECT topic, count(*) AS n FROM ${this.d.table('dead_letters')}
       WHERE received_at >= ${this.d.timestamp('$1')} AND received_at < ${this.d.timestamp('$2')} GROUP BY 1`,
      [w.fromMs, w.toMs],
    );
    const byCamera = new Map<string, ShiftDeadLetterCounts>();
    for (const r of rows) {
      let cam = { region: '', site: '', camera: '' };
      try {
        const t = parseTopic(str(r.topic));
        cam = { region: t.region, site: t.site, camera: t.camera };
      } catch {
        // A poison message on a topic that names no valid camera: the plant's, nobody's in particular.
      }
      const k = `${cam.region}/${cam.site}/${cam.camera}`;
      const row = byCamera.get(k) ?? { ...cam, n: 0 };
      row.n += num(r.n);
      byCamera.set(k, row);
    }
    return [...byCamera.values()];
  }

  async alertHistory(sinceMs: number): Promise<{ notifications: ShiftNotificationRow[]; instances: ShiftInstanceRow[] }> {
    const [outbox, states] = await Promise.all([this.hasTable('alert_outbox'), this.hasTable('alert_instances')]);
    const [notifications, instances] = await Promise.all([
      outbox
        ? this.d.rows(
            `SELECT created_at, body FROM ${this.d.table('alert_outbox')} WHERE created_at >= CAST($1 AS BIGINT) ORDER BY created_at, id, receiver`,
            [sinceMs],
          )
        : [],
      states ? this.d.rows(`SELECT key, rule, state, body FROM ${this.d.table('alert_instances')} ORDER BY key`, []) : [],
    ]);
    return {
      notifications: notifications.map((r) => ({ createdAt: num(r.created_at), body: JSON.parse(str(r.body)) as unknown })),
      instances: instances.map((r) => ({
        key: str(r.key),
        rule: str(r.rule),
        state: str(r.state),
        body: JSON.parse(str(r.body)) as unknown,
      })),
    };
  }
}
