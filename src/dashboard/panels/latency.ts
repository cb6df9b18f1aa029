import type { PanelReader } from '../../store/panel-reader.ts';
import { HISTOGRAMS, Histogram, RELATIVE_ERROR } from '../../store/rollup-histogram.ts';
import type { PanelWindow } from '../panel-window.ts';
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

/** p50 and p99 per period, merged from the histogram rollups (all cameras of the filtered sites, or the named cameras). */
export async function latencyPanel(reader: PanelReader, w: PanelWindow): Promise<LatencyPanel> {
  const periods = periodsOf(w);
  const at = indexOf(periods);
  const per = [HISTOGRAMS.inference, HISTOGRAMS.lag].map(() => periods.map(() => new Histogram()));
  const whole = [new Histogram(), new Histogram()];
  for (const r of await reader.histograms(w)) {
    const i = at.get(r.period);
    if (i === undefined) continue;
    per[r.kind][i].add(r.bucket, r.n);
    whole[r.kind].add(r.bucket, r.n);
  }
  const lines = (hs: Histogram[]): PercentileLines => ({ p50: hs.map((h) => round(h.percentile(50))), p99: hs.map((h) => round(h.percentile(99))) });
  return {
    inference: lines(per[HISTOGRAMS.inference]),
    lag: lines(per[HISTOGRAMS.lag]),
    window: {
      inferenceP50: round(whole[0].percentile(50)),
      inferenceP99: round(whole[0].percentile(99)),
      lagP50: round(whole[1].percentile(50)),
      lagP99: round(whole[1].percentile(99)),
    },
    relativeError: RELATIVE_ERROR,
  };
}
