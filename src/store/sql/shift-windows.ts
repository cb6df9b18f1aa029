/**
 * How sql/shift-sql.ts reads several windows in one statement: each window (whole minutes, none overlapping)
 * becomes ranges of a column, each range tagged with its window's index by a CASE; and a window's sums are read
 * from the hourly rollup for its whole hours and from the per-minute rollup for the minutes at either edge, which
 * is exact (every level holds the same sums) and reads 60 times fewer rows for the middle of a shift.
 */
import { SeamError } from '../../contract/index.ts';
import type { ShiftWindow } from '../shift-counts.ts';
import type { Params } from './panel-where.ts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** A range [fromMs, toMs) of window `w`. */
export interface TaggedRange {
  w: number;
  fromMs: number;
  toMs: number;
}

export function checkWindow(w: ShiftWindow): void {
  for (const field of ['fromMs', 'toMs'] as const) {
    if (!Number.isSafeInteger(w[field]) || w[field] % MINUTE !== 0) {
      throw new SeamError('SEAM_ERR_BAD_QUERY', `shift window: ${field} must be a whole minute (epoch ms), got ${w[field]}`, { field });
    }
  }
  if (w.toMs <= w.fromMs) throw new SeamError('SEAM_ERR_BAD_QUERY', 'shift window: toMs must be after fromMs', { field: 'toMs' });
}

/** True when two of the windows share a moment. */
export function overlapping(windows: readonly ShiftWindow[]): boolean {
  const sorted = [...windows].sort((a, b) => a.fromMs - b.fromMs);
  return sorted.some((w, i) => i > 0 && w.fromMs < sorted[i - 1]!.toMs);
}

/** Each window whole, as one range. */
export const whole = (windows: readonly ShiftWindow[]): TaggedRange[] => windows.map((w, i) => ({ w: i, ...w }));

/** Each window's whole hours (`hours`) and the minutes before and after them (`minutes`). */
export function byHour(windows: readonly ShiftWindow[]): { hours: TaggedRange[]; minutes: TaggedRange[] } {
  const hours: TaggedRange[] = [];
  const minutes: TaggedRange[] = [];
  windows.forEach((win, w) => {
    const first = Math.ceil(win.fromMs / HOUR) * HOUR;
    const last = Math.floor(win.toMs / HOUR) * HOUR;
    if (first >= last) {
      minutes.push({ w, ...win });
      return;
    }
    hours.push({ w, fromMs: first, toMs: last });
    if (win.fromMs < first) minutes.push({ w, fromMs: win.fromMs, toMs: first });
    if (last < win.toMs) minutes.push({ w, fromMs: last, toMs: win.toMs });
  });
  return { hours, minutes };
}

/**
 * `index`: a CASE giving a row of `column` the window of the range holding it; `where`: only rows in a range
 * (false when there are none). `at` turns a bound's parameter into what the column compares with.
 */
export function tagged(p: Params, ranges: readonly TaggedRange[], column: string, at = (param: string) => `CAST(${param} AS BIGINT)`) {
  if (ranges.length === 0) return { index: 'NULL', where: '1 = 0' };
  const inside = ranges.map((r) => `(${column} >= ${at(p.add(r.fromMs))} AND ${column} < ${at(p.add(r.toMs))})`);
  return {
    index: `CASE ${inside.map((c, i) => `WHEN ${c} THEN ${ranges[i]!.w}`).join(' ')} END`,
    where: `(${inside.join(' OR ')})`,
  };
}
