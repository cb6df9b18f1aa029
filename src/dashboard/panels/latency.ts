import type { PanelReader } from '../../store/panel-reader.ts';
import { bucketValue, HISTOGRAMS, Histogram, RELATIVE_ERROR } from '../../store/rollups/histogram.ts';
import type { PanelWindow } from './window.ts';
import { indexOf, periodsOf } from './periods.ts';

export interface PercentileLines {
  p50: (number | null)[];
  p99: (number | null)[];
}

export interface LatencyPanel {
  /** inferred_at - captured_at, ms, per period. */
  inference: PercentileLines;
  /** committed_at - captured_at, ms, per period. */
  lag: PercentileLines;
  /** Over the whole window (the complete periods). */
  window: { inferenceP50: number | null; inferenceP99: number | null; lagP50: number | null; lagP99: number | null };
  /** Every figure is within this fraction of the exact nearest-rank percentile. */
  relativeError: number;
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
const value = (bucket: number | undefined) => (bucket === undefined ? null : round(bucketValue(bucket)));

/**
 * p50 and p99 per period and over the window, from the histogram rollups (all cameras of the filtered
 * sites, or the named cameras). The store finds each percentile's bucket (PanelReader.percentiles), so a
 * day of five-minute histograms is merged where it lies, not shipped here.
 */
export async function latencyPanel(reader: PanelReader, w: PanelWindow): Promise<LatencyPanel> {
  const periods = periodsOf(w);
  const at = indexOf(periods);
  const per = [HISTOGRAMS.inference, HISTOGRAMS.lag].map(() => ({
    p50: periods.map((): number | null => null),
    p99: periods.map((): number | null => null),
  }));
  // The window's figures cover its complete periods, as the lines do.
  const complete = { ...w, toMs: w.currentPeriod ?? w.toMs };
  const [rows, buckets] = await Promise.all([reader.percentiles(complete, [50, 99]), reader.windowBuckets(complete)]);
  for (const r of rows) {
    const i = at.get(r.period);
    if (i === undefined) continue;
    [per[r.kind].p50[i], per[r.kind].p99[i]] = r.buckets.map(value);
  }
  const whole = [new Histogram(), new Histogram()];
  for (const b of buckets) whole[b.kind]?.add(b.bucket, b.n);
  return {
    inference: per[HISTOGRAMS.inference],
    lag: per[HISTOGRAMS.lag],
    window: {
      inferenceP50: round(whole[0].percentile(50)),
      inferenceP99: round(whole[0].percentile(99)),
      lagP50: round(whole[1].percentile(50)),
      lagP99: round(whole[1].percentile(99)),
    },
    relativeError: RELATIVE_ERROR,
  };
}
