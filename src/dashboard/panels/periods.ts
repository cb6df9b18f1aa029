import type { PanelWindow } from './window.ts';

/**
 * The x axis of every time-series panel: the window's complete periods, oldest first. The still-filling
 * current period is left out on purpose: drawn as a point, its partial count would dive at the right edge
 * of every line, the very shape that means a dead camera. Its figures so far go in `current` instead.
 */
export function periodsOf(w: PanelWindow): number[] {
  const end = w.currentPeriod ?? w.toMs;
  const out: number[] = [];
  for (let p = w.fromMs; p < end; p += w.stepMs) out.push(p);
  return out;
}

/** Index of each period on the axis. */
export function indexOf(periods: readonly number[]): Map<number, number> {
  return new Map(periods.map((p, i) => [p, i]));
}

/** Rows grouped into one series per key, aligned with `periods`; a period without rows is `fill`. */
export function seriesBy<R extends { period: number }>(
  rows: readonly R[],
  periods: readonly number[],
  key: (r: R) => string,
  value: (r: R) => number,
  fill: number | null = 0,
): Map<string, (number | null)[]> {
  const at = indexOf(periods);
  const out = new Map<string, (number | null)[]>();
  for (const r of rows) {
    const i = at.get(r.period);
    if (i === undefined) continue;
    const k = key(r);
    let s = out.get(k);
    if (!s) out.set(k, (s = new Array(periods.length).fill(fill)));
    s[i] = (s[i] ?? 0) + value(r);
  }
  return out;
}
