/**
 * The latency panels' queries over the histogram rollups (rollup_latency, store/rollups/histogram.ts): bucket
 * counts per period, the bucket of each percentile, and the whole window's buckets.
 */
import { SeamError } from '../../contract/index.ts';
import type { HistogramRow, PanelDialect, PanelQuery, PercentileRow, WindowBucketRow } from '../panel-reader.ts';
import { ALL_CAMERAS, LATENCY } from '../rollups/schema.ts';
import { num } from './rows.ts';
import { levelSource, Params, where } from './panel-where.ts';

/**
 * The rows of what the filter shows: the named cameras; else the site rows (camera '*') of the named
 * regions or sites; else the plant rows. A day of fifty cameras unfiltered reads one row per bucket.
 */
function histogramSource(d: PanelDialect, p: Params, q: PanelQuery): string {
  const from = levelSource(d, LATENCY, q.stepMs);
  if ((q.cameras?.length ?? 0) > 0) return `${from} WHERE ${where(p, q)}`;
  const all = p.add(ALL_CAMERAS);
  const narrowed = (q.regions?.length ?? 0) > 0 || (q.sites?.length ?? 0) > 0;
  return `${from} WHERE ${where(p, q, { camera: false })} AND camera = ${all}${narrowed ? '' : ` AND site = ${all} AND region = ${all}`}`;
}

export async function histograms(d: PanelDialect, q: PanelQuery): Promise<HistogramRow[]> {
  const p = new Params();
  const rows = await d.rows(
    `SELECT period, kind, bucket, sum(n) AS n FROM ${histogramSource(d, p, q)} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    p.values,
  );
  return rows.map((r) => ({ period: num(r.period), kind: num(r.kind), bucket: num(r.bucket), n: num(r.n) }));
}

/**
 * The nearest-rank bucket of each percentile per period and kind, found in SQL: the first bucket whose
 * running count reaches q% of the period's total (100 * cum >= q * total; the counts are whole numbers
 * far below 2^53, so in FLOAT8 the test is exact and agrees with Histogram.percentile). A day at five
 * minutes is some sixty thousand bucket rows; this returns a few hundred.
 */
export async function percentiles(d: PanelDialect, q: PanelQuery, asked: readonly number[]): Promise<PercentileRow[]> {
  for (const pct of asked) {
    if (!Number.isInteger(pct) || pct < 1 || pct > 100)
      throw new SeamError('SEAM_ERR_BAD_QUERY', `percentile ${pct} is not a whole number from 1 to 100`, { field: 'percentile' });
  }
  const p = new Params();
  const source = histogramSource(d, p, q);
  const picks = asked.map((pct, i) => `min(CASE WHEN 100 * cum >= CAST(${p.add(pct)} AS FLOAT8) * total THEN bucket END) AS b${i}`);
  // Grouped and windowed in the order the PostgreSQL index returns the rows, so nothing is sorted.
  const rows = await d.rows(
    `WITH h AS (SELECT period, kind, bucket, CAST(sum(n) AS FLOAT8) AS n FROM ${source} GROUP BY 1, 2, 3),
          c AS (SELECT period, kind, bucket, sum(n) OVER w AS cum, sum(n) OVER (PARTITION BY period, kind) AS total
                FROM h WINDOW w AS (PARTITION BY period, kind ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
     SELECT period, kind, ${picks.join(', ')} FROM c GROUP BY 1, 2 ORDER BY 1, 2`,
    p.values,
  );
  return rows.map((r) => ({ period: num(r.period), kind: num(r.kind), buckets: asked.map((_, i) => num(r[`b${i}`])) }));
}

/** Bucket counts per kind over the whole window (its percentiles are merged by the caller). */
export async function windowBuckets(d: PanelDialect, q: PanelQuery): Promise<WindowBucketRow[]> {
  const p = new Params();
  const rows = await d.rows(`SELECT kind, bucket, sum(n) AS n FROM ${histogramSource(d, p, q)} GROUP BY 1, 2 ORDER BY 1, 2`, p.values);
  return rows.map((r) => ({ kind: num(r.kind), bucket: num(r.bucket), n: num(r.n) }));
}
