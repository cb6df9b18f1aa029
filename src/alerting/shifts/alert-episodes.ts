/**
 * Which alerts fired during a shift and for how long. The engine keeps no history table: its notification
 * outbox (store/alert-state.ts) keeps every notification it ever queued, sent or not, and each carries the
 * alerts' `transition_id` (`<instance key>#<n>`), `starts_at` and, when resolved, `ends_at`
 * (lifecycle/notification.ts). An episode is one instance key and one `starts_at`; its end is the `ends_at` of
 * its resolved notice, or none while it fires. The instances table adds the episodes whose notices are older
 * than the history read (an alert firing for weeks). Test notifications are left out.
 */
import type { ShiftInstanceRow, ShiftNotificationRow } from '../../store/shift-counts.ts';
import type { ShiftRun } from '../config/shift-calendar.ts';

export interface AlertEpisode {
  /** The alert instance: `rule` or `rule|region/site/camera`. */
  key: string;
  rule: string;
  severity: string;
  /** The camera the alert is about, when the rule is per camera. */
  region: string | null;
  site: string | null;
  camera: string | null;
  /** When it started firing, and resolved (null: still firing), epoch ms. */
  firedAtMs: number;
  resolvedAtMs: number | null;
  /** Minutes of the run it was firing (one decimal). */
  minutesInShift: number;
}

interface Draft {
  key: string;
  rule: string;
  severity: string;
  labels: Record<string, string>;
  start: number;
  end: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const timeOf = (v: unknown): number | null => (typeof v === 'string' && v ? Date.parse(v) : typeof v === 'number' ? v : null);
const labelsOf = (v: unknown): Record<string, string> =>
  isObj(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};

function fromNotifications(rows: readonly ShiftNotificationRow[], drafts: Map<string, Draft>): void {
  for (const row of rows) {
    if (!isObj(row.body) || row.body.test === true || !Array.isArray(row.body.alerts)) continue;
    for (const a of row.body.alerts) {
      if (!isObj(a)) continue;
      const id = text(a.transition_id);
      const key = id.includes('#') ? id.slice(0, id.lastIndexOf('#')) : id;
      const start = timeOf(a.starts_at);
      if (!key || start === null || !(start > 0)) continue;
      const k = `${key}\n${start}`;
      const d = drafts.get(k) ?? { key, rule: text(a.rule), severity: text(a.severity), labels: labelsOf(a.labels), start, end: null };
      if (a.status === 'resolved') d.end = timeOf(a.ends_at) ?? d.end;
      drafts.set(k, d);
    }
  }
}

/** Instance bodies (lifecycle/state-machine.ts AlertInstance): firedAt, resolvedAt, camera. */
function fromInstances(rows: readonly ShiftInstanceRow[], drafts: Map<string, Draft>): void {
  for (const row of rows) {
    if (!isObj(row.body)) continue;
    const start = timeOf(row.body.firedAt);
    if (start === null || !(start > 0)) continue;
    const k = `${row.key}\n${start}`;
    if (drafts.has(k)) continue;
    const resolved = timeOf(row.body.resolvedAt);
    const end = row.state === 'firing' ? null : resolved !== null && resolved >= start ? resolved : null;
    if (row.state !== 'firing' && end === null) continue;
    const labels = { ...labelsOf(row.body.labels), ...labelsOf(row.body.camera) };
    drafts.set(k, { key: row.key, rule: row.rule, severity: text(row.body.severity), labels, start, end });
  }
}

/** The episodes firing at some moment of [run.startMs, run.endMs), by start then key. */
export function alertEpisodes(
  history: { notifications: readonly ShiftNotificationRow[]; instances: readonly ShiftInstanceRow[] },
  run: ShiftRun,
  nowMs: number,
): AlertEpisode[] {
  const drafts = new Map<string, Draft>();
  fromNotifications(history.notifications, drafts);
  fromInstances(history.instances, drafts);
  const out: AlertEpisode[] = [];
  for (const d of drafts.values()) {
    const end = d.end ?? Math.max(nowMs, d.start);
    const from = Math.max(d.start, run.startMs);
    const to = Math.min(end, run.endMs);
    if (d.start >= run.endMs || to <= from) continue;
    out.push({
      key: d.key,
      rule: d.rule,
      severity: d.severity,
      region: d.labels.region ?? null,
      site: d.labels.site ?? null,
      camera: d.labels.camera ?? null,
      firedAtMs: d.start,
      resolvedAtMs: d.end,
      minutesInShift: Math.round((to - from) / 6_000) / 10,
    });
  }
  return out.sort((a, b) => a.firedAtMs - b.firedAtMs || a.key.localeCompare(b.key));
}
