/**
 * The shift summary panel of `seamline bench dashboard`: the loaded plant day cut into two shifts (in UTC, each half
 * of the loaded hours; a full day gives two 12-hour shifts), and the summary of the second one timed as the page asks
 * for it (GET /api/shift-summary resolves `shift=` and summarizes, as cli/services/dashboard-shifts.ts does: the run,
 * the previous shift and the same shift a week earlier, per camera, line and plant). The first shift holds the plant day's 40-minute camera outage, so its silent minutes are
 * not all zero; a week earlier there is nothing (the seven days of the bench are rollup copies of six days).
 */
import { ShiftCalendar, toShift } from '../../../alerting/config/shift-calendar.ts';
import { WEEKDAYS } from '../../../alerting/config/schema.ts';
import { parseShiftPick, resolveShift } from '../../../alerting/shifts/ranges.ts';
import { summarizeShift, type ShiftSummary } from '../../../alerting/shifts/summary.ts';
import type { ShiftCounts } from '../../../store/shift-counts.ts';
import { percentile, round } from '../percentile.ts';

export interface ShiftSummaryFigures {
  /** The run timed, NAME@YYYY-MM-DD, and its length. */
  run: string;
  hours: number;
  /** Rows of the summary: cameras, lines and the plant. */
  rows: number;
  events: number;
  p50_ms: number;
  p95_ms: number;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** Two shifts that split [startMs, endMs) at its middle minute, every day, in UTC. */
export function benchCalendar(startMs: number, endMs: number): ShiftCalendar {
  const middle = startMs + Math.floor((endMs - startMs) / 120_000) * 60_000;
  const weekdays = [...WEEKDAYS];
  return new ShiftCalendar([
    toShift('first', { timezone: 'UTC', weekdays, start: hhmm(startMs), end: hhmm(middle) }),
    toShift('second', { timezone: 'UTC', weekdays, start: hhmm(middle), end: hhmm(endMs) }),
  ]);
}

/** Times the summary of the loaded day's second shift: `runs` timed calls after two warm-ups. */
export async function timeShiftSummary(
  source: ShiftCounts | null,
  startMs: number,
  endMs: number,
  runs: number,
): Promise<ShiftSummaryFigures> {
  if (!source) throw new Error('the store declares no shift counts (StoreCapabilities.shiftCounts)');
  const calendar = benchCalendar(startMs, endMs);
  const middle = startMs + Math.floor((endMs - startMs) / 120_000) * 60_000;
  const spec = `second@${new Date(middle).toISOString().slice(0, 10)}`;
  const times: number[] = [];
  let last: ShiftSummary | undefined;
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    last = await summarizeShift(source, calendar, resolveShift(calendar, parseShiftPick(spec), endMs), { nowMs: endMs });
    if (i >= 2) times.push(performance.now() - t);
  }
  const s = last!;
  return {
    run: `${s.run.shift}@${s.run.date}`,
    hours: round(s.run.minutes / 60, 2)!,
    rows: 1 + s.sites.length + s.cameras.length,
    events: s.plant.events.value,
    p50_ms: round(percentile(times, 50)!, 1)!,
    p95_ms: round(percentile(times, 95)!, 1)!,
  };
}
