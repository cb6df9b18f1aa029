/**
 * ShiftCounts (shift-counts.ts) in SQL both DuckDB and PostgreSQL accept, over the store's dialect
 * (panel-reader.ts PanelDialect). Events, detections, classes and the minutes heard come from the per-minute
 * rollups, exact for a window of whole minutes; the repair ranges, dead letters and the alert engine's state
 * from their own tables, which are small. Several windows are read by one statement per figure, each row
 * tagged with its window's index. A table a reader may find missing (the repair ledger, the alert state: a
 * consumer or an engine creates them) reads as absent, not as an error.
 */
import { cameraKey, parseTopic, SeamError } from '../../contract/index.ts';
import type { PanelDialect } from '../panel-reader.ts';
import { CLASSES, COUNTS, HEARTBEATS } from '../rollups/schema.ts';
import type {
  ShiftCameraCounts,
  ShiftCounts,
  ShiftCountsResult,
  ShiftInstanceRow,
  ShiftNotificationRow,
  ShiftWindow,
} from '../shift-counts.ts';
import { levelSource, Params } from './panel-where.ts';
import { num } from './rows.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
type Row = Record<string, unknown>;
const str = (v: unknown) => String(v);
const key = (r: Row) => ({ region: str(r.region), site: str(r.site), camera: str(r.camera) });

function checkWindow(w: ShiftWindow): void {
  for (const field of ['fromMs', 'toMs'] as const) {
    if (!Number.isSafeInteger(w[field]) || w[field] % MINUTE !== 0) {
      throw new SeamError('SEAM_ERR_BAD_QUERY', `shift window: ${field} must be a whole minute (epoch ms), got ${w[field]}`, { field });
    }
  }
  if (w.toMs <= w.fromMs) throw new SeamError('SEAM_ERR_BAD_QUERY', 'shift window: toMs must be after fromMs', { field: 'toMs' });
}

/**
 * `CASE` giving each row of `column` the index of the window holding it, and the WHERE keeping only those rows;
 * `at` turns a bound's parameter into what the column compares with. The windows must not overlap.
 */
function tagged(p: Params, windows: readonly ShiftWindow[], column: string, at = (param: string) => `CAST(${param} AS BIGINT)`) {
  const inside = windows.map((w) => `(${column} >= ${at(p.add(w.fromMs))} AND ${column} < ${at(p.add(w.toMs))})`);
  return {
    index: `CASE ${inside.map((c, i) => `WHEN ${c} THEN ${i}`).join(' ')} END`,
    where: `(${inside.join(' OR ')})`,
  };
}

export class SqlShiftCounts implements ShiftCounts {
  /** Tables found once are there for good; a missing one is looked for again (a consumer or an engine may create it). */
  private readonly seen = new Set<string>();

  /** `schema`: where the store's tables are, as information_schema names it ('main' in DuckDB). */
  constructor(
    private readonly d: PanelDialect,
    private readonly schema: string,
  ) {}

  private async hasTable(name: string): Promise<boolean> {
    if (this.seen.has(name)) return true;
    const [r] = await this.d.rows('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [
      this.schema,
      name,
    ]);
    if (num(r?.n) > 0) this.seen.add(name);
    return this.seen.has(name);
  }

  async counts(windows: readonly ShiftWindow[]): Promise<ShiftCountsResult[]> {
    windows.forEach(checkWindow);
    // The same window twice (a weekly shift's previous run is its run a week earlier) is read once.
    const unique = [...new Map(windows.map((w) => [`${w.fromMs}-${w.toMs}`, w])).values()];
    const sorted = [...unique].sort((a, b) => a.fromMs - b.fromMs);
    if (sorted.some((w, i) => i > 0 && w.fromMs < sorted[i - 1]!.toMs)) {
      // Overlapping windows (shifts that overlap each other): one window at a time.
      return Promise.all(windows.map(async (w) => (await this.counts([w]))[0]!));
    }
    const [cameras, known, classes, repairs, deadLetters] = await Promise.all([
      this.cameras(unique),
      this.known(),
      this.classes(unique),
      this.repairs(unique),
      this.deadLetters(unique),
    ]);
    const results = unique.map((_, i): ShiftCountsResult => {
      const mine = new Map(known.map((k) => [cameraKey(k), { ...k, events: 0, detections: 0, minutesWithEvents: 0, minutesHeard: 0 }]));
      for (const c of cameras[i]!) mine.set(cameraKey(c), c);
      return {
        cameras: [...mine.values()].sort((a, b) => cameraKey(a).localeCompare(cameraKey(b))),
        classes: classes[i]!,
        repairs: repairs && repairs[i]!,
        deadLetters: deadLetters[i]!,
      };
    });
    return windows.map((w) => results[unique.findIndex((u) => u.fromMs === w.fromMs && u.toMs === w.toMs)]!);
  }

  /** Rows by window index. */
  private split<T>(n: number, rows: Row[], map: (r: Row) => T): T[][] {
    const out = Array.from({ length: n }, (): T[] => []);
    for (const r of rows) out[num(r.w)]!.push(map(r));
    return out;
  }

  /**
   * Per window and camera: events, detections, minutes with an event (rollup_counts_1m; a row holds at least one
   * event) and minutes with an event or a heartbeat (rollup_heartbeats_1m): both tables' rows folded by minute,
   * then counted.
   */
  private async cameras(windows: readonly ShiftWindow[]): Promise<ShiftCameraCounts[][]> {
    const p = new Params();
    const c = tagged(p, windows, 'period');
    const h = tagged(p, windows, 'period');
    const rows = await this.d.rows(
      `SELECT w, region, site, camera, sum(e) AS events, sum(dt) AS detections,
              sum(CASE WHEN e > 0 THEN 1 ELSE 0 END) AS minutes, count(*) AS heard
       FROM (SELECT w, region, site, camera, period, sum(e) AS e, sum(dt) AS dt FROM (
               SELECT ${c.index} AS w, region, site, camera, period, events AS e, detections AS dt
               FROM ${levelSource(this.d, COUNTS, MINUTE)} WHERE ${c.where}
               UNION ALL
               SELECT ${h.index} AS w, region, site, camera, period, 0 AS e, 0 AS dt
               FROM ${levelSource(this.d, HEARTBEATS, MINUTE)} WHERE ${h.where}) x
             GROUP BY 1, 2, 3, 4, 5) m
       GROUP BY 1, 2, 3, 4`,
      p.values,
    );
    return this.split(windows.length, rows, (r) => ({
      ...key(r),
      events: num(r.events),
      detections: num(r.detections),
      minutesWithEvents: num(r.minutes),
      minutesHeard: num(r.heard),
    }));
  }

  /** Every camera the store knows: its status row, or events in any hour kept. */
  private async known() {
    const rows = await this.d.rows(
      `SELECT region, site, camera FROM ${this.d.table('camera_status')}
       UNION SELECT DISTINCT region, site, camera FROM ${levelSource(this.d, COUNTS, HOUR)}`,
      [],
    );
    return rows.map(key);
  }

  private async classes(windows: readonly ShiftWindow[]) {
    const p = new Params();
    const t = tagged(p, windows, 'period');
    const rows = await this.d.rows(
      `SELECT ${t.index} AS w, region, site, camera, class, sum(detections) AS detections FROM ${levelSource(this.d, CLASSES, MINUTE)}
       WHERE ${t.where} GROUP BY 1, 2, 3, 4, 5 ORDER BY 2, 3, 4, 5`,
      p.values,
    );
    return this.split(windows.length, rows, (r) => ({ ...key(r), class: str(r.class), detections: num(r.detections) }));
  }

  /** Seqs of the ranges detected in each window, by their state now; null without a ledger. */
  private async repairs(windows: readonly ShiftWindow[]) {
    if (!(await this.hasTable('repair_ranges'))) return null;
    const p = new Params();
    const t = tagged(p, windows, 'detected_at_ms');
    const seqs = (state: string) => `sum(CASE WHEN state = '${state}' THEN to_seq - from_seq + 1 ELSE 0 END)`;
    const rows = await this.d.rows(
      `SELECT ${t.index} AS w, region, site, camera, ${seqs('lost')} AS lost, ${seqs('repaired')} AS repaired, ${seqs('repairing')} AS repairing
       FROM ${this.d.table('repair_ranges')} WHERE ${t.where} GROUP BY 1, 2, 3, 4 ORDER BY 2, 3, 4`,
      p.values,
    );
    return this.split(windows.length, rows, (r) => ({
      ...key(r),
      lost: num(r.lost),
      repaired: num(r.repaired),
      repairing: num(r.repairing),
    }));
  }

  /** Per window, by the camera the topic names; a topic that names none counts under empty strings. */
  private async deadLetters(windows: readonly ShiftWindow[]) {
    const p = new Params();
    const t = tagged(p, windows, 'received_at', (param) => this.d.timestamp(param));
    const rows = await this.d.rows(
      `SELECT ${t.index} AS w, topic, count(*) AS n FROM ${this.d.table('dead_letters')} WHERE ${t.where} GROUP BY 1, 2`,
      p.values,
    );
    return this.split(windows.length, rows, (r) => r).map((letters) => {
      const byCamera = new Map<string, { region: string; site: string; camera: string; n: number }>();
      for (const r of letters) {
        let cam = { region: '', site: '', camera: '' };
        try {
          const topic = parseTopic(str(r.topic));
          cam = { region: topic.region, site: topic.site, camera: topic.camera };
        } catch {
          // A poison message on a topic that names no valid camera: the plant's, nobody's in particular.
        }
        const row = byCamera.get(cameraKey(cam)) ?? { ...cam, n: 0 };
        row.n += num(r.n);
        byCamera.set(cameraKey(cam), row);
      }
      return [...byCamera.values()];
    });
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
