import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketOf, bucketValue, exactPercentile, GAMMA, Histogram, RELATIVE_ERROR } from '../../src/store/rollups/histogram.ts';

test('the stated error bound is (gamma - 1) / (gamma + 1) and at most 2%', () => {
  assert.equal(RELATIVE_ERROR, (GAMMA - 1) / (GAMMA + 1));
  assert.ok(RELATIVE_ERROR <= 0.02, `${RELATIVE_ERROR}`);
});

test('every whole millisecond from 1 ms to 2,000,000 ms is reported within the bound, and buckets are monotonic', {
  timeout: 60_000,
}, () => {
  let worst = 0;
  let previous = 0;
  for (let v = 1; v <= 2_000_000; v++) {
    const b = bucketOf(v);
    assert.ok(b >= previous, `bucket of ${v} went down`);
    previous = b;
    const err = Math.abs(bucketValue(b) - v) / v;
    if (err > worst) worst = err;
  }
  assert.ok(worst <= RELATIVE_ERROR + 1e-12, `worst ${worst}`);
  // The bound is tight: some value is reported nearly as far off as it allows.
  assert.ok(worst > RELATIVE_ERROR * 0.9, `worst ${worst}`);
});

test('no whole millisecond sits within float noise of a bucket boundary (DuckDB and PostgreSQL cannot disagree)', {
  timeout: 60_000,
}, () => {
  const logGamma = Math.log(GAMMA);
  for (let v = 2; v <= 2_000_000; v++) {
    const x = Math.log(v) / logGamma;
    assert.ok(Math.abs(x - Math.round(x)) > 1e-9, `${v} is ${x}`);
  }
});

test('zero and negative durations (a clock behind) go to bucket 0 and read as 0', () => {
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(-15), 0);
  assert.equal(bucketValue(0), 0);
  assert.equal(bucketOf(1), 1);
  assert.equal(bucketValue(1), 2 / (GAMMA + 1));
});

test('percentiles of merged histograms (many minutes, many cameras) stay within the bound of the exact nearest-rank value', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const parts: number[][] = [];
  for (let camera = 0; camera < 12; camera++) {
    // Each camera its own shape: a base latency, a long tail, and a few spikes.
    const base = 10 + camera * 7;
    parts.push(Array.from({ length: 2_000 }, () => Math.round(base * Math.exp(random() * 1.5) + (random() < 0.01 ? 5_000 * random() : 0))));
  }
  const merged = new Histogram();
  for (const values of parts) {
    const h = new Histogram();
    for (const v of values) h.add(bucketOf(v));
    for (const [b, n] of h.counts) merged.add(b, n);
  }
  const all = parts.flat();
  assert.equal(merged.total, all.length);
  for (const q of [1, 10, 50, 90, 95, 99, 99.9, 100]) {
    const exact = exactPercentile(all, q)!;
    const got = merged.percentile(q)!;
    assert.ok(Math.abs(got - exact) / exact <= RELATIVE_ERROR + 1e-12, `p${q}: ${got} vs ${exact}`);
  }
  assert.equal(new Histogram().percentile(50), null);
});
