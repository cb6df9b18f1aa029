import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEdgeBench } from '../../src/proof/bench/edge-bench.ts';

test('bench edge measures accepts and drain with the replay window off and on, and reports on as a share of off', {
  timeout: 120_000,
}, async () => {
  const lines: string[] = [];
  const r = await runEdgeBench({ acceptEvents: 2000, drainEvents: 2000, rounds: 1, log: (l) => lines.push(l) });
  assert.deepEqual(
    lines.map((l) => l.split(',')[0]),
    ['window off', 'window on'],
  );
  for (const rate of [r.accept_per_s, r.drain_per_s, r.accept_per_s_no_window, r.drain_per_s_no_window]) assert.ok(rate > 0, String(rate));
  assert.equal(r.accept_ratio_vs_no_window, Math.round((r.accept_per_s / r.accept_per_s_no_window) * 1000) / 1000);
  assert.equal(r.drain_ratio_vs_no_window, Math.round((r.drain_per_s / r.drain_per_s_no_window) * 1000) / 1000);
  assert.equal(r.broker, 'mosquitto', 'the bench drains into Mosquitto, which the test command installs');
});
