import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LagHistogram } from '../../src/proof/bench/lag-histogram.ts';
import { percentile } from '../../src/proof/bench/percentile.ts';

test('LagHistogram gives the same nearest-rank percentiles as sorting the samples', { timeout: 10_000 }, () => {
  const samples = Array.from({ length: 10_001 }, (_, i) => (i * 7919) % 311);
  const h = new LagHistogram();
  for (const s of samples) h.add(s);
  assert.equal(h.count, samples.length);
  for (const p of [1, 50, 90, 99, 99.9, 100]) assert.equal(h.percentile(p), percentile(samples, p), `p${p}`);
});

test('LagHistogram: empty gives null; beyond the last bucket counts as the last bucket', { timeout: 10_000 }, () => {
  const h = new LagHistogram(100);
  assert.equal(h.percentile(50), null);
  h.add(5);
  h.add(5_000);
  assert.equal(h.percentile(50), 5);
  assert.equal(h.percentile(100), 100);
});
