/** Durations as Prometheus and Grafana write them: `30s`, `5m`, `1h30m`, `250ms`, `2d`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+)(ms|s|m|h|d)/g;

export const DURATION_PATTERN = '^((\\d+)(ms|s|m|h|d))+$';
export const DURATION_RULE = 'must be a duration such as 30s, 5m, 1h30m or 0s';

/** Milliseconds of a duration string; callers validate the pattern first (config-schema.ts). */
export function parseDuration(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) throw new Error(`not a duration: ${text}`);
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/** The shortest exact spelling of a duration, for Grafana files (`300000` -> `5m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let left = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(left / size);
    if (n > 0) {
      out += `${n}${unit}`;
      left -= n * size;
    }
  }
  return out;
}
