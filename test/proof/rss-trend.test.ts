import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rssTrend } from '../../src/proof/bench/rss-trend.ts';

const minutes = (...levels: number[]) => levels.flatMap((mb) => Array.from({ length: 60 }, (_, s) => (s % 20 === 0 ? mb + 90 : mb)));

test('rssTrend: a flat run with checkpoint spikes has a slope of zero', { timeout: 10_000 }, () => {
  const trend = rssTrend(minutes(400, 300, 300, 300, 300));
  assert.deepEqual(trend.byMinute, [400, 300, 300, 300, 300]);
  assert.equal(trend.slopeMbPerMin, 0);
});

test('rssTrend: steady growth shows as MB per minute, leaving out the warm-up minute', { timeout: 10_000 }, () => {
  const trend = rssTrend(minutes(150, 300, 306, 312, 318, 324));
  assert.equal(trend.slopeMbPerMin, 6);
});

test('rssTrend: too short a run gives no slope, and a partial minute is left out', { timeout: 10_000 }, () => {
  const trend = rssTrend([...minutes(300, 310), 999]);
  assert.deepEqual(trend.byMinute, [300, 310]);
  assert.equal(trend.slopeMbPerMin, null);
});
