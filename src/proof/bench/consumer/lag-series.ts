/** One second of the consumer bench's paced phase: what was committed, how late, and the process's memory. */
export interface LagSecond {
  /** Seconds since the phase started (the end of this second). */
  t_s: number;
  /** Events committed in this second. */
  events_per_s: number;
  /** End-to-end lag (commit - captured_at) of the events committed in this second, ms; null when none were. */
  lag_p50_ms: number | null;
  lag_p99_ms: number | null;
  /** Resident memory of the bench process at the end of this second, MB. */
  rss_mb: number;
}

const nearestRank = (sorted: Float64Array, p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

/**
 * The paced phase second by second, for the charts of `seamline bench all --report` (throughput, lag and memory
 * over time): lags are added as commits report them, and `tick` closes each second.
 */
export class LagSeries {
  readonly seconds: LagSecond[] = [];
  private lags: number[] = [];
  private readonly startedMs = Date.now();

  add(lagMs: number): void {
    this.lags.push(lagMs);
  }

  tick(rssMb: number): void {
    const sorted = Float64Array.from(this.lags).sort();
    this.seconds.push({
      t_s: Math.round((Date.now() - this.startedMs) / 100) / 10,
      events_per_s: sorted.length,
      lag_p50_ms: nearestRank(sorted, 50),
      lag_p99_ms: nearestRank(sorted, 99),
      rss_mb: rssMb,
    });
    this.lags = [];
  }
}
