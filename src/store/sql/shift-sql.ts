/**
 * ShiftCounts (shift-counts.ts) in SQL both DuckDB and PostgreSQL accept, over the store's dialect
 * (panel-reader.ts PanelDialect). Events, detections, classes and the minutes heard come from the per-minute
 * rollups, exact for a window of whole minutes; the repair ranges, dead letters and the alert engine's state
 * from their own tables, which are small. Several windows are read by one statement per figure, each row
 * tagged with its window's index; the minutes, which scan the per-minute rows, by one statement per window.
 * A table a reader may find missing (the repair ledger, the alert state: a consumer or an engine creates
 * them) reads as absent, not as an error.
 */
import { cameraKey, parseTopic } from '../../contract/index.ts';
import type { PanelDialect } from '../panel-reader.ts';
import { CLASSES, COUNTS, HEARTBEATS, type RollupTable } from '../rollups/schema.ts';
import type {
  ShiftCameraCounts,
  ShiftCounts,
  ShiftCountsResult,
  ShiftInstanceRow,
  ShiftNotificationRow,
  ShiftWindow,
} from '../shift-counts.ts';
import { levelSource, Params } from './panel-where.ts';
import { byHour, checkWindow, HOUR, MINUTE, overlapping, tagged, whole, type TaggedRange } from './shift-windows.ts';
import { num } from './rows.ts';

type Row = Record<string, unknown>;
const str = (v: unknown) => String(v);
const key = (r: Row) => ({ region: str(r.region), site: str(r.site), camera: str(r.camera) });

const LOW30 = 0x3fffffffn;
/** Set bits of a 32-bit integer. */
function popcount32(n: number): number {
  let x = n - ((n >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Set bits of a mask (none when it is not positive), counted 30 bits at a time in plain numbers: a BigInt
 * loop over 60 bits cost milliseconds per summary for a 50-camera plant's few thousand masks.
 */
function bits(x: bigint): number {
  if (x <= 0n) return 0;
  return popcount32(Number(x & LOW30)) + popcount32(Number((x >> 30n) & LOW30)) + popcount32(Number(x >> 60n));
}

/** A mask the store returns as a bigint, a number or text. */
const mask = (v: unknown) => BigInt(String(v ?? 0));

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
    if (overlapping(unique)) {
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

  /** Per window and camera: the sums (sums()) and the minutes (minutes()). */
  private async cameras(windows: readonly ShiftWindow[]): Promise<ShiftCameraCounts[][]> {
    const [sums, minutes] = await Promise.all([this.sums(windows, COUNTS, ['events', 'detections']), this.minutes(windows)]);
    return sums.map((rows, w) => {
      const heard = new Map(minutes[w]!.map((m) => [cameraKey(m), m]));
      const out = new Map<string, ShiftCameraCounts>();
      for (const k of [...rows.map((r) => key(r)), ...minutes[w]!]) {
        out.set(cameraKey(k), { ...key(k), events: 0, detections: 0, minutesWithEvents: 0, minutesHeard: 0 });
      }
      for (const r of rows) Object.assign(out.get(cameraKey(key(r)))!, { events: num(r.events), detections: num(r.detections) });
      for (const [k, m] of heard) Object.assign(out.get(k)!, { minutesWithEvents: m.events, minutesHeard: m.heard });
      return [...out.values()];
    });
  }

  /**
   * Per window and camera (and `extra` key columns), the sums of `measures` of rollup `t`: its hourly rows for the
   * window's whole hours, its per-minute rows for the minutes at either edge.
   */
  private async sums(windows: readonly ShiftWindow[], t: RollupTable, measures: readonly string[], extra: readonly string[] = []) {
    const p = new Params();
    const { hours, minutes } = byHour(windows);
    const keys = ['region', 'site', 'camera', ...extra].join(', ');
    const part = (ranges: TaggedRange[], stepMs: number) => {
      const r = tagged(p, ranges, 'period');
      return `SELECT ${r.index} AS w, ${keys}, ${measures.join(', ')} FROM ${levelSource(this.d, t, stepMs)} WHERE ${r.where}`;
    };
    const groups = Array.from({ length: 1 + 3 + extra.length }, (_, i) => i + 1).join(', ');
    const rows = await this.d.rows(
      `SELECT w, ${keys}, ${measures.map((m) => `sum(${m}) AS ${m}`).join(', ')}
       FROM (${part(hours, HOUR)} UNION ALL ${part(minutes, MINUTE)}) x GROUP BY ${groups}`,
      p.values,
    );
    return this.split(windows.length, rows, (r) => r);
  }

  /**
   * Per window and camera: minutes with an event (rollup_counts_1m; a row holds at least one event) and minutes
   * with an event or a heartbeat (rollup_heartbeats_1m). Each hour's minutes are folded into a 60-bit mask per
   * camera and table in SQL (a few thousand rows leave the store, not one per camera-minute), OR-ed and counted
   * here. One statement per window: each scans one range of the tables' (period, ...) keys with no per-row
   * CASE, and a pool (PostgreSQL) runs the windows side by side.
   */
  private async minutes(windows: readonly ShiftWindow[]) {
    const perWindow = await Promise.all(windows.map((w) => this.minuteMasks(w)));
    return perWindow.map((rows) => {
      const hours = new Map<string, { key: ReturnType<typeof key>; ev: bigint; heard: bigint }>();
      for (const r of rows) {
        const k = `${cameraKey(key(r))}\u0000${str(r.hour)}`;
        const h = hours.get(k) ?? { key: key(r), ev: 0n, heard: 0n };
        const m = mask(r.mask);
        if (num(r.ev) === 1) h.ev |= m;
        h.heard |= m;
        hours.set(k, h);
      }
      const out = new Map<string, { region: string; site: string; camera: string; events: number; heard: number }>();
      for (const h of hours.values()) {
        const k = cameraKey(h.key);
        const m = out.get(k) ?? { ...h.key, events: 0, heard: 0 };
        m.events += bits(h.ev);
        m.heard += bits(h.heard);
        out.set(k, m);
      }
      return [...out.values()];
    });
  }

  /** One window's masks per camera-hour: rollup_counts_1m's (ev 1), then rollup_heartbeats_1m's (ev 0). */
  private minuteMasks(w: ShiftWindow) {
    const p = new Params();
    const [from, to] = [p.add(w.fromMs), p.add(w.toMs)];
    const bit = `CAST(1 AS BIGINT) << CAST((period % ${HOUR}) / ${MINUTE} AS INTEGER)`;
    const part = (t: RollupTable, ev: number) =>
      `SELECT ${ev} AS ev, region, site, camera, period - period % ${HOUR} AS hour, bit_or(${bit}) AS mask
       FROM ${levelSource(this.d, t, MINUTE)}
       WHERE period >= CAST(${from} AS BIGINT) AND period < CAST(${to} AS BIGINT) GROUP BY 2, 3, 4, 5`;
    return this.d.rows(`${part(COUNTS, 1)} UNION ALL ${part(HEARTBEATS, 0)}`, p.values);
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
    const rows = await this.sums(windows, CLASSES, ['detections'], ['class']);
    return rows.map((list) => list.map((r) => ({ ...key(r), class: str(r.class), detections: num(r.detections) })));
  }

  /** Seqs of the ranges detected in each window, by their state now; null without a ledger. */
  private async repairs(windows: readonly ShiftWindow[]) {
    if (!(await this.hasTable('repair_ranges'))) return null;
    const p = new Params();
    const t = tagged(p, whole(windows), 'detected_at_ms');
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
    const t = tagged(p, whole(windows), 'received_at', (param) => this.d.timestamp(param));
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
