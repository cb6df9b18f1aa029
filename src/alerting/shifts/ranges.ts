/**
 * Shifts as time ranges: which concrete run of which shift a pick on the page, in a URL or on the command line
 * names, per the shift calendar (config/shift-calendar.ts, which builds every run from its local date and
 * wall-clock times, so DST and days off are already right). Every answer is a DatedRun: [startMs, endMs) and
 * the local date the run starts on, which is how a run is named (`night@2026-03-29`). docs/shifts.md.
 */
import { DateTime } from 'luxon';
import { SeamError } from '../../contract/index.ts';
import type { Shift, ShiftCalendar, ShiftRun } from '../config/shift-calendar.ts';

/** The relative picks; any other run is named by shift and local start date. */
export const SHIFT_PICKS = ['this', 'last', 'same-yesterday', 'same-last-week'] as const;
export type RelativePick = (typeof SHIFT_PICKS)[number];
export type ShiftPick = RelativePick | { shift: string; date: string };

/** A run of a shift and the local date (in the shift's zone) it starts on. */
export interface DatedRun extends ShiftRun {
  /** yyyy-mm-dd, the local date the run starts on. */
  date: string;
  timezone: string;
}

/** How far back a run is looked for: a shift that ran in none of the last 400 days is not found. */
export const LOOKBACK_DAYS = 400;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const badPick = (field: string, reason: string) => new SeamError('SEAM_ERR_BAD_QUERY', `shift: ${field} ${reason}`, { field });

function shiftNamed(calendar: ShiftCalendar, name: string): Shift {
  const shift = calendar.get(name);
  if (shift) return shift;
  const known = calendar.names();
  throw badPick(
    'shift',
    `names no shift: ${JSON.stringify(name)} (${known.length ? `known: ${known.join(', ')}` : 'no shifts are configured'})`,
  );
}

function localDate(shift: Shift, date: string, field = 'date'): DateTime {
  const d = DATE.test(date) ? DateTime.fromISO(date, { zone: shift.timezone }) : undefined;
  if (!d?.isValid) throw badPick(field, `must be a local date YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return d.startOf('day');
}

function dated(calendar: ShiftCalendar, shift: Shift, day: DateTime): DatedRun | undefined {
  const run = calendar.runOn(shift, day);
  return run && { ...run, date: day.toISODate() ?? '', timezone: shift.timezone };
}

/** Runs of `shift` starting on `from` (a local day) and each day before it, newest first, within LOOKBACK_DAYS. */
function* runsBackward(calendar: ShiftCalendar, shift: Shift, from: DateTime): Generator<DatedRun> {
  for (let i = 0; i <= LOOKBACK_DAYS; i++) {
    const run = dated(calendar, shift, from.minus({ days: i }));
    if (run) yield run;
  }
}

/** Tomorrow in the shift's zone as seen at `atMs`: no run that starts later can have ended or be running at `atMs`. */
const dayAfter = (shift: Shift, atMs: number) => DateTime.fromMillis(atMs, { zone: shift.timezone }).startOf('day').plus({ days: 1 });

/** The run of any shift with the latest end at or before `atMs` (ties: the later start, then the name). */
function lastEndedBy(calendar: ShiftCalendar, atMs: number): DatedRun | undefined {
  let best: DatedRun | undefined;
  for (const name of calendar.names()) {
    const shift = calendar.get(name)!;
    for (const run of runsBackward(calendar, shift, dayAfter(shift, atMs))) {
      if (run.endMs > atMs) continue;
      if (!best || run.endMs > best.endMs || (run.endMs === best.endMs && run.startMs > best.startMs)) best = run;
      break;
    }
  }
  return best;
}

/** The run covering `nowMs`, if any (the first shift in the calendar's order when shifts overlap). */
export function activeRun(calendar: ShiftCalendar, nowMs: number): DatedRun | undefined {
  const run = calendar.activeRun(nowMs);
  if (!run) return undefined;
  const shift = calendar.get(run.shift)!;
  return { ...run, date: DateTime.fromMillis(run.startMs, { zone: shift.timezone }).toISODate() ?? '', timezone: shift.timezone };
}

/** Same shift, `days` local days earlier than `run`; undefined when it did not run that day (weekday or day off). */
function sameShiftEarlier(calendar: ShiftCalendar, run: DatedRun, days: number): DatedRun | undefined {
  const shift = shiftNamed(calendar, run.shift);
  return dated(calendar, shift, localDate(shift, run.date).minus({ days }));
}

/**
 * The run a pick names at `nowMs`. `this`: the run covering now; `last`: the most recent run that has ended;
 * `same-yesterday` / `same-last-week`: the same shift as `this` (or `last` when none is running) one / seven
 * local days earlier; `{shift, date}`: that shift's run starting on that local date. Throws SEAM_ERR_BAD_QUERY
 * naming the field (`shift` or `date`) when there is no such run.
 */
export function resolveShift(calendar: ShiftCalendar, pick: ShiftPick, nowMs: number): DatedRun {
  if (calendar.names().length === 0)
    throw badPick('shift', 'no shifts are configured (alerts config shifts, or the start config shifts section)');
  if (typeof pick === 'object') {
    const shift = shiftNamed(calendar, pick.shift);
    const run = dated(calendar, shift, localDate(shift, pick.date));
    if (!run) throw badPick('date', `no shift ${shift.name} on ${pick.date} (a day off, or not one of its weekdays)`);
    return run;
  }
  if (!(SHIFT_PICKS as readonly string[]).includes(pick)) throw badPick('shift', `must be ${SHIFT_PICKS.join(', ')} or NAME@YYYY-MM-DD`);
  const current = activeRun(calendar, nowMs);
  if (pick === 'this') {
    if (!current)
      throw badPick('shift', `no shift is running at ${new Date(nowMs).toISOString()} (pick last, or a shift by name and date)`);
    return current;
  }
  const last = lastEndedBy(calendar, nowMs);
  const base = pick === 'last' ? last : (current ?? last);
  if (!base) throw badPick('shift', `no shift has ended in the last ${LOOKBACK_DAYS} days`);
  if (pick === 'last') return base;
  const days = pick === 'same-yesterday' ? 1 : 7;
  const run = sameShiftEarlier(calendar, base, days);
  if (!run) {
    const date = localDate(calendar.get(base.shift)!, base.date).minus({ days }).toISODate();
    throw badPick('date', `no shift ${base.shift} on ${date} (a day off, or not one of its weekdays)`);
  }
  return run;
}

/** `this`, `last`, ... or `NAME@YYYY-MM-DD` (the page's URL form) as a ShiftPick. */
export function parseShiftPick(text: string): ShiftPick {
  if ((SHIFT_PICKS as readonly string[]).includes(text)) return text as RelativePick;
  const at = text.indexOf('@');
  if (at > 0) return { shift: text.slice(0, at), date: text.slice(at + 1) };
  throw badPick('shift', `must be ${SHIFT_PICKS.join(', ')} or NAME@YYYY-MM-DD, got ${JSON.stringify(text)}`);
}

/** A run's name in a URL: `NAME@YYYY-MM-DD`. */
export const runName = (run: DatedRun) => `${run.shift}@${run.date}`;

/**
 * The last `n` runs of every shift that have started by `nowMs` (the running one included), newest start first:
 * the page's list of shifts to pick from.
 */
export function recentRuns(calendar: ShiftCalendar, nowMs: number, n: number): DatedRun[] {
  const all: DatedRun[] = [];
  for (const name of calendar.names()) {
    const shift = calendar.get(name)!;
    let taken = 0;
    for (const run of runsBackward(calendar, shift, dayAfter(shift, nowMs))) {
      if (run.startMs > nowMs) continue;
      all.push(run);
      if (++taken >= n) break;
    }
  }
  return all.sort((a, b) => b.startMs - a.startMs || a.shift.localeCompare(b.shift));
}

/** The previous shift: the run of any shift whose end is the latest at or before `run` starts; undefined if none. */
export function previousRun(calendar: ShiftCalendar, run: ShiftRun): DatedRun | undefined {
  return lastEndedBy(calendar, run.startMs);
}

/** The same shift seven local days earlier; undefined when it did not run that day. */
export function weekEarlier(calendar: ShiftCalendar, run: DatedRun): DatedRun | undefined {
  return sameShiftEarlier(calendar, run, 7);
}
