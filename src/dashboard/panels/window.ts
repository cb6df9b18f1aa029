/**
 * The query of /api/panels and /api/live: a window (a named range ending now, a custom from/to, or a shift of
 * the calendar) and the region/site/camera/class filters, exactly as the page keeps them in its URL. Validated
 * by hand so a bad link gets one sentence naming its field. Values end up only as bound parameters (panel-sql.ts).
 */
import { SeamError } from '../../contract/index.ts';
import type { PanelQuery } from '../../store/panel-reader.ts';

export const RANGES: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
};
export const DEFAULT_RANGE = '1h';
/** The longest custom window: a month of hourly points. */
export const MAX_SPAN_MS = 31 * 86_400_000;
const FIELDS = ['range', 'from', 'to', 'shift', 'region', 'site', 'camera', 'class'];
const INTEGER = /^\d{1,16}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a name with a control character is refused
const NAME = /^[^\u0000-\u001f]{1,128}$/;

/**
 * The interval for a window: whole rollup periods, at most a few hundred points. Up to 2 h one minute,
 * up to 24 h five minutes, beyond that an hour (docs/dashboard.md).
 */
export function stepFor(spanMs: number): number {
  if (spanMs <= 2 * 3_600_000) return 60_000;
  if (spanMs <= 86_400_000) return 300_000;
  return 3_600_000;
}

/** One run of a shift, as the page shows it: `shift=` as asked, and the run it named. */
export interface ShiftWindow {
  /** The value of `shift=` as given: `this`, `last`, `same-yesterday`, `same-last-week` or `<name>@<YYYY-MM-DD>`. */
  spec: string;
  name: string;
  /** The local date the run starts on, in the shift's zone. */
  date: string;
  /** The run's exact bounds, [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** True while the run is under way (the window then ends now). */
  running: boolean;
}

/**
 * Turns a `shift=` value into the run it names (alerting/shifts/ranges.ts over the dashboard's calendar); throws
 * SEAM_ERR_BAD_QUERY naming `shift` for a value it cannot resolve. Absent when the dashboard has no calendar.
 */
export type ShiftResolver = (spec: string, nowMs: number) => Omit<ShiftWindow, 'running'>;

export interface PanelWindow extends PanelQuery {
  /** The named range, 'custom', or 'shift'. */
  range: string;
  /** The shift run the window is, when `shift=` chose it; else null. */
  shift: ShiftWindow | null;
  /** True when the window ends now and moves with the clock. */
  live: boolean;
  /** Start of the still-filling period when the window holds it, else null. */
  currentPeriod: number | null;
}

const bad = (field: string, message: string) => new SeamError('SEAM_ERR_BAD_QUERY', message, { field });

function single(q: Record<string, unknown>, field: string): string | undefined {
  const v = q[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(field, `${field} must be given once (use commas for several values)`);
  return v;
}

function list(q: Record<string, unknown>, field: string): string[] | undefined {
  const v = single(q, field);
  if (v === undefined || v === '') return undefined;
  const values = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const value of values) if (!NAME.test(value)) throw bad(field, `${field} values must be 1-128 printable characters`);
  return values;
}

function epoch(q: Record<string, unknown>, field: string): number | undefined {
  const v = single(q, field);
  if (v === undefined) return undefined;
  const n = INTEGER.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw bad(field, `${field} must be epoch milliseconds, got "${v}"`);
  return n;
}

/**
 * A shift's window: its exact bounds, or [start, now] while it runs. The step is a custom window's, made finer
 * until it divides both bounds (a shift starts on a whole minute, and a zone may be half an hour off the hour), so
 * the panels cover exactly the shift and never a period of the shift before or after it.
 */
function shiftBounds(q: Record<string, unknown>, spec: string, nowMs: number, resolve: ShiftResolver | undefined) {
  if (q.range !== undefined || q.from !== undefined || q.to !== undefined)
    throw bad('shift', 'give either shift or range/from/to, not both');
  if (!resolve) throw bad('shift', 'this dashboard has no shift calendar (give it the alerting config or a shifts section)');
  const run = resolve(spec, nowMs);
  if (run.startMs > nowMs) throw bad('shift', `${run.name}@${run.date} has not started yet`);
  const running = nowMs < run.endMs;
  const toMs = running ? nowMs : run.endMs;
  let stepMs = stepFor(Math.max(toMs - run.startMs, 1));
  while (stepMs > 60_000 && (run.startMs % stepMs !== 0 || run.endMs % stepMs !== 0)) stepMs = stepMs === 3_600_000 ? 300_000 : 60_000;
  return { shift: { ...run, running }, fromMs: run.startMs, toMs, stepMs };
}

/**
 * Validates the query; throws SEAM_ERR_BAD_QUERY naming the first bad field. `shifts` resolves `shift=`; without
 * it (no calendar) a `shift=` is refused.
 */
export function parsePanelWindow(query: unknown, nowMs: number, shifts?: ShiftResolver): PanelWindow {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    if (!FIELDS.includes(key)) throw bad(key, `unknown query field "${key}"; known: ${FIELDS.join(', ')}`);
  }
  const spec = single(q, 'shift');
  if (spec !== undefined) {
    const s = shiftBounds(q, spec, nowMs, shifts);
    return finish(q, 'shift', s.fromMs, s.toMs, s.stepMs, nowMs, s.shift);
  }
  const range = single(q, 'range');
  const from = epoch(q, 'from');
  const to = epoch(q, 'to');
  let fromMs: number;
  let toMs: number;
  let name: string;
  if (from !== undefined || to !== undefined) {
    if (range !== undefined && range !== 'custom') throw bad('range', 'give either range or from/to, not both');
    if (from === undefined || to === undefined) throw bad(from === undefined ? 'from' : 'to', 'a custom window needs both from and to');
    if (!(to > from)) throw bad('to', 'to must be after from');
    if (to - from > MAX_SPAN_MS) throw bad('from', `a window may span at most ${MAX_SPAN_MS / 86_400_000} days`);
    [fromMs, toMs, name] = [from, Math.min(to, nowMs + 60_000), 'custom'];
  } else {
    name = range ?? DEFAULT_RANGE;
    const span = RANGES[name];
    if (span === undefined) throw bad('range', `range must be one of ${Object.keys(RANGES).join(', ')} (or give from and to)`);
    [fromMs, toMs] = [nowMs - span, nowMs];
  }
  return finish(q, name, fromMs, toMs, stepFor(toMs - fromMs), nowMs, null);
}

function finish(
  q: Record<string, unknown>,
  name: string,
  fromMs: number,
  toMs: number,
  stepMs: number,
  nowMs: number,
  shift: ShiftWindow | null,
): PanelWindow {
  // Whole periods: the first one that holds `from`, through the one that holds `to` (the current one when live).
  const start = fromMs - (fromMs % stepMs);
  const end = toMs - (toMs % stepMs) + (toMs % stepMs === 0 ? 0 : stepMs);
  const current = nowMs - (nowMs % stepMs);
  return {
    range: name,
    shift,
    live: shift ? shift.running : name !== 'custom' || toMs >= nowMs,
    fromMs: start,
    toMs: end,
    stepMs,
    currentPeriod: current >= start && current < end ? current : null,
    regions: list(q, 'region'),
    sites: list(q, 'site'),
    cameras: list(q, 'camera'),
    classes: list(q, 'class'),
  };
}
