/**
 * Whole-millisecond lags counted in fixed buckets, so a 10-minute soak measures its percentiles without
 * keeping a million samples in the heap it is measuring. Exact, because these lags are whole milliseconds (epoch-ms
 * differences); anything beyond the last bucket counts as the last bucket's value.
 */
export class LagHistogram {
  private readonly counts: Uint32Array;
  private total = 0;

  constructor(readonly maxMs = 120_000) {
    this.counts = new Uint32Array(maxMs + 1);
  }

  add(ms: number): void {
    this.counts[Math.min(this.maxMs, Math.max(0, Math.round(ms)))]++;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  /** Nearest-rank percentile, as `percentile()` gives for the same samples; null when empty. */
  percentile(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.min(this.total, Math.max(1, Math.ceil((p / 100) * this.total)));
    let seen = 0;
    for (let ms = 0; ms <= this.maxMs; ms++) {
      seen += this.counts[ms];
      if (seen >= rank) return ms;
    }
    return this.maxMs;
  }
}
