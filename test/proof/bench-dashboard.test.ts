import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PANELS } from '../../src/dashboard/panels/index.ts';
import { runDashboardBench } from '../../src/proof/bench/dashboard/dashboard-bench.ts';

test('bench dashboard, small: loads both stores through their write paths and times every panel over 24 h and 7 d, and the summary of a shift', {
  timeout: 240_000,
}, async () => {
  const lines: string[] = [];
  const r = await runDashboardBench({
    cameras: 3,
    rate: 1,
    pgRate: 1,
    hours: 2,
    runs: 2,
    stores: ['duckdb', 'postgres'],
    progress: (l) => lines.push(l),
  });
  // 3 cameras x 1 event/s x 2 h, less camera 11 % 3 = 2's 40-minute outage from hour 3 (outside these 2 hours).
  const perStore = 3 * 2 * 3_600;
  assert.equal(r.stores.duckdb.events, perStore);
  assert.equal(r.stores.postgres.events, perStore);
  assert.equal(r.events, 2 * perStore);
  for (const store of ['duckdb', 'postgres']) {
    assert.deepEqual(Object.keys(r.stores[store].panels).sort(), Object.keys(PANELS).sort());
    for (const [name, p] of Object.entries(r.stores[store].panels)) {
      assert.ok(Number.isFinite(p.p95_24h_ms) && p.p95_24h_ms > 0 && Number.isFinite(p.p95_7d_ms), `${store} ${name}`);
    }
  }
  assert.equal(r.panel_p95_ms, Math.max(r.stores.duckdb.slowest_24h_ms, r.stores.postgres.slowest_24h_ms));
  // The shift summary of the second of the two shifts the loaded 2 hours are cut into: its hour of 3 cameras x 1/s.
  for (const store of ['duckdb', 'postgres']) {
    const s = r.stores[store].shift_summary;
    assert.match(s.run, /^second@\d{4}-\d{2}-\d{2}$/);
    assert.equal(s.hours, 1);
    assert.equal(s.events, 3 * 3_600, `${store}: the second shift's events`);
    assert.equal(s.rows, 1 + 3 + 3, `${store}: the plant, 3 lines (sites), 3 cameras`);
    assert.ok(s.p95_ms > 0 && s.p50_ms > 0 && s.p50_ms <= s.p95_ms, `${store} ${JSON.stringify(s)}`);
  }
  assert.equal(r.shift_summary_p95_ms, Math.max(r.stores.duckdb.shift_summary.p95_ms, r.stores.postgres.shift_summary.p95_ms));
  assert.ok(
    lines.some((l) => /duckdb: 1 of 2 h loaded/.test(l)),
    'progress lines during the load',
  );
});
