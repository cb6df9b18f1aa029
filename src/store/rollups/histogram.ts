/**
 * The latency and lag histograms of the rollups: log-spaced buckets, as DDSketch lays them out, so that
 * histograms of different minutes and cameras merge by adding bucket counts and any percentile of the
 * merged histogram is known to a stated relative error. Both stores bucket with these functions (the
 * bucket of an event is computed here, in the write path, and the SQL only counts), so DuckDB and
 * PostgreSQL can never disagree at a bucket boundary.
 *
 * Bucket k >= 1 holds the values v with GAMMA^(k-2) < v <= GAMMA^(k-1); bucket 0 holds v <= 0 (a clock
 * that runs behind). A bucket reports the value 2 * GAMMA^(k-1) / (GAMMA + 1). For any v in the bucket,
 * that value lies between v * 2 / (GAMMA + 1) and v * 2 * GAMMA / (GAMMA + 1), so it is off by at most
 * (GAMMA - 1) / (GAMMA + 1) of v: RELATIVE_ERROR, 1.96% for GAMMA = 1.04. A percentile read from the
 * histogram is the reported value of the bucket holding the exact percentile's sample, so it carries
 * the same bound (test/store/rollup-histogram.test.ts checks both, value by value and on merged data).
 */

/** Ratio of a bucket's upper bound to its lower one. */
export const GAMMA = 1.04;
/** The bound on |reported - exact| / exact for every value and every percentile (values >= 1 ms). */
export const RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);
const LOG_GAMMA = Math.log(GAMMA);

/** Kinds of histogram a rollup keeps, stored as a small integer. */
export const HISTOGRAMS = { inference: 0, lag: 1 } as const;
export type HistogramKind = keyof typeof HISTOGRAMS;

/**
 * The bucket of a duration in milliseconds. Durations come from millisecond timestamps, so they are
 * whole numbers; one below 1 ms but above 0 is counted as 1 ms.
 */
export function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms <= 1) return 1;
  // log(v)/log(GAMMA) is never a whole number for a whole v > 1 (GAMMA^k = 26^k / 25^k is no integer),
  // so rounding at a boundary cannot put a value in the neighbouring bucket.
  return Math.ceil(Math.log(ms) / LOG_GAMMA) + 1;
}

/** The value a bucket reports. */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  return (2 * GAMMA ** (bucket - 1)) / (GAMMA + 1);
}

/** Bucket counts, merged by adding: several minutes, cameras or stores' rows into one. */
export class Histogram {
  readonly counts = new Map<number, number>();
  total = 0;

  add(bucket: number, n = 1): void {
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.total += n;
  }

  /**
   * The q-th percentile (0 < q <= 100) as a nearest-rank value, the sample a sorted list holds at index
   * ceil(q/100 * n) - 1 (PostgreSQL's percentile_disc), reported with RELATIVE_ERROR. null when empty.
   */
  percentile(q: number): number | null {
    if (this.total === 0) return null;
    const buckets = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const b of buckets) {
      seen += this.counts.get(b)!;
      // seen > ceil(q/100 * n) - 1, in whole numbers: the stores' SQL (panel-sql.ts) tests the same.
      if (100 * seen >= q * this.total) return bucketValue(b);
    }
    return bucketValue(buckets[buckets.length - 1]);
  }
}

/** The exact nearest-rank percentile of raw values, as Histogram.percentile defines it (tests, bench). */
export function exactPercentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((q * sorted.length) / 100) - 1)];
}
