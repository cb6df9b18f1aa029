/**
 * From the store's per-camera counts of three runs (this one, the previous shift, the same shift a week
 * earlier) to the summary's rows: per camera, per site (camera '*') and for the plant (all '*'), each figure
 * as { value, previous, weekAgo }. Sites and the plant sum their cameras; rates are recomputed from the sums.
 */
import type { ShiftCountsResult } from '../../store/shift-counts.ts';
import type { AlertEpisode } from './alert-episodes.ts';
import type { DatedRun } from './ranges.ts';
import type { ClassFigures, Figure, RateFigure, ShiftRow } from './summary.ts';

export interface RunFigures {
  run: DatedRun;
  counts: ShiftCountsResult;
  alerts: AlertEpisode[];
}

const ALL = '*';

interface Raw {
  events: number;
  detections: number;
  classes: Map<string, number>;
  minutesSilent: number;
  minutesOffline: number;
  eventsLost: number;
  eventsRepaired: number;
  eventsRepairing: number;
  deadLetters: number;
  alertsFired: number;
  alertMinutes: number;
}

type Counted = Exclude<keyof Raw, 'classes'>;
const COUNTED: readonly Counted[] = [
  'events',
  'detections',
  'minutesSilent',
  'minutesOffline',
  'eventsLost',
  'eventsRepaired',
  'eventsRepairing',
  'deadLetters',
  'alertsFired',
  'alertMinutes',
];

const zero = (minutes: number): Raw => ({
  events: 0,
  detections: 0,
  classes: new Map(),
  minutesSilent: minutes,
  minutesOffline: minutes,
  eventsLost: 0,
  eventsRepaired: 0,
  eventsRepairing: 0,
  deadLetters: 0,
  alertsFired: 0,
  alertMinutes: 0,
});

const keyOf = (region: string, site: string, camera: string) => `${region}/${site}/${camera}`;
const minutesOf = (run: DatedRun) => Math.round((run.endMs - run.startMs) / 60_000);

/** Every row's raw figures of one run, by `region/site/camera` (site rows with camera '*', the plant all '*'). */
function rawRows(f: RunFigures): Map<string, Raw> {
  const minutes = minutesOf(f.run);
  const cams = new Map<string, Raw>();
  const cam = (region: string, site: string, camera: string) => {
    const k = keyOf(region, site, camera);
    let r = cams.get(k);
    if (!r) cams.set(k, (r = zero(minutes)));
    return r;
  };
  for (const c of f.counts.cameras) {
    Object.assign(cam(c.region, c.site, c.camera), {
      events: c.events,
      detections: c.detections,
      minutesSilent: minutes - c.minutesWithEvents,
      minutesOffline: minutes - c.minutesHeard,
    });
  }
  for (const c of f.counts.classes) {
    const r = cam(c.region, c.site, c.camera);
    r.classes.set(c.class, (r.classes.get(c.class) ?? 0) + c.detections);
  }
  for (const c of f.counts.repairs ?? [])
    Object.assign(cam(c.region, c.site, c.camera), { eventsLost: c.lost, eventsRepaired: c.repaired, eventsRepairing: c.repairing });
  const unassigned = zero(0);
  for (const d of f.counts.deadLetters) {
    if (d.camera) cam(d.region, d.site, d.camera).deadLetters += d.n;
    else unassigned.deadLetters += d.n;
  }
  return rollUp(cams, unassigned, f.alerts);
}

function add(into: Raw, r: Raw): void {
  for (const k of COUNTED) into[k] += r[k];
  for (const [c, n] of r.classes) into.classes.set(c, (into.classes.get(c) ?? 0) + n);
}

/** Site and plant rows from the camera rows; alerts counted once per row they name (the plant counts every one). */
function rollUp(cams: Map<string, Raw>, unassigned: Raw, alerts: readonly AlertEpisode[]): Map<string, Raw> {
  const out = new Map(cams);
  const plant = zero(0);
  add(plant, unassigned);
  for (const [k, r] of cams) {
    const [region, site] = k.split('/');
    const sk = keyOf(region!, site!, ALL);
    if (!out.has(sk)) out.set(sk, zero(0));
    add(out.get(sk)!, r);
    add(plant, r);
  }
  const count = (r: Raw | undefined, a: AlertEpisode) => {
    if (!r) return;
    r.alertsFired += 1;
    r.alertMinutes = Math.round((r.alertMinutes + a.minutesInShift) * 10) / 10;
  };
  for (const a of alerts) {
    count(plant, a);
    if (a.region && a.site) count(out.get(keyOf(a.region, a.site, ALL)), a);
    if (a.region && a.site && a.camera) count(out.get(keyOf(a.region, a.site, a.camera)), a);
  }
  out.set(keyOf(ALL, ALL, ALL), plant);
  return out;
}

const rate = (n: number | undefined, d: number | undefined) => (n === undefined || d === undefined || d === 0 ? null : n / d);

function classFigures(name: string, rows: (Raw | null)[], partClass: string | undefined): ClassFigures {
  const det = rows.map((r) => (r ? (r.classes.get(name) ?? 0) : null));
  const perEvent: RateFigure = { value: rate(det[0] ?? 0, rows[0]!.events), previous: null, weekAgo: null };
  perEvent.previous = rows[1] ? rate(det[1]!, rows[1].events) : null;
  perEvent.weekAgo = rows[2] ? rate(det[2]!, rows[2].events) : null;
  const out: ClassFigures = { detections: { value: det[0] ?? 0, previous: det[1] ?? null, weekAgo: det[2] ?? null }, perEvent };
  if (partClass !== undefined && name !== partClass) {
    const parts = rows.map((r) => (r ? (r.classes.get(partClass) ?? 0) : 0));
    out.perPart = {
      value: rate(det[0] ?? 0, parts[0]),
      previous: rows[1] ? rate(det[1]!, parts[1]) : null,
      weekAgo: rows[2] ? rate(det[2]!, parts[2]) : null,
    };
  }
  return out;
}

function row(key: string, rows: (Raw | null)[], partClass: string | undefined): ShiftRow {
  const [region, site, camera] = key.split('/') as [string, string, string];
  const scope = camera !== ALL ? 'camera' : site !== ALL ? 'site' : 'plant';
  const fig = (k: Counted): Figure => ({ value: rows[0]![k], previous: rows[1]?.[k] ?? null, weekAgo: rows[2]?.[k] ?? null });
  const names = [...new Set(rows.flatMap((r) => (r ? [...r.classes.keys()] : [])))].sort();
  const classes = Object.fromEntries(names.map((n) => [n, classFigures(n, rows, partClass)]));
  return {
    scope,
    region,
    site,
    camera,
    events: fig('events'),
    detections: fig('detections'),
    classes,
    minutesSilent: fig('minutesSilent'),
    minutesOffline: fig('minutesOffline'),
    eventsLost: fig('eventsLost'),
    eventsRepaired: fig('eventsRepaired'),
    eventsRepairing: fig('eventsRepairing'),
    deadLetters: fig('deadLetters'),
    alertsFired: fig('alertsFired'),
    alertMinutes: fig('alertMinutes'),
  };
}

/** The summary's plant, site and camera rows; the rows are those of `now` (every camera the store knows). */
export function buildRows(
  now: RunFigures,
  previous: RunFigures | undefined,
  weekAgo: RunFigures | undefined,
  partClass: string | undefined,
): { plant: ShiftRow; sites: ShiftRow[]; cameras: ShiftRow[] } {
  const maps = [rawRows(now), previous ? rawRows(previous) : undefined, weekAgo ? rawRows(weekAgo) : undefined];
  const minutes = [now, previous, weekAgo].map((f) => (f ? minutesOf(f.run) : 0));
  const at = (key: string): (Raw | null)[] =>
    maps.map((m, i) => {
      if (!m) return null;
      const camera = key.split('/')[2] !== ALL;
      return m.get(key) ?? zero(camera ? minutes[i]! : 0);
    });
  const keys = [...maps[0]!.keys()].sort();
  const rows = keys.map((k) => row(k, at(k), partClass));
  return {
    plant: rows.find((r) => r.scope === 'plant')!,
    sites: rows.filter((r) => r.scope === 'site'),
    cameras: rows.filter((r) => r.scope === 'camera'),
  };
}
