import { percentile, round } from './percentile.ts';

export interface RssTrend {
  /** Median RSS of each whole minute, MB. A median, so the short climb of a checkpoint does not count as growth. */
  byMinute: number[];
  /** Least-squares slope of those medians after the first (warm-up) minute, MB per minute; null under 3 minutes. */
  slopeMbPerMin: number | null;
}

/** Whether memory grows with run time, from RSS samples (MB) taken once a second. */
export function rssTrend(samplesMb: readonly number[], perMinute = 60): RssTrend {
  const byMinute: number[] = [];
  for (let start = 0; start + perMinute <= samplesMb.length; start += perMinute) {
    byMinute.push(percentile(samplesMb.slice(start, start + perMinute), 50)!);
  }
  const settled = byMinute.slice(1);
  if (settled.length < 2) return { byMinute, slopeMbPerMin: null };
  const n = settled.length;
  const meanX = (n - 1) / 2;
  const meanY = settled.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  settled.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return { byMinute, slopeMbPerMin: round(num / den, 2) };
}
