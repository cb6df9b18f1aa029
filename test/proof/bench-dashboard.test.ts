import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PANELS } from '../../src/dashboard/panels/index.ts';
import { runDashboardBench } from '../../src/proof/bench/dashboard-bench.ts';

test('bench dashboard, small: loads both stores through their write paths and times every panel over 24 h and 7 d', {
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
  assert.ok(
    lines.some((l) => /duckdb: 1 of 2 h loaded/.test(l)),
    'progress lines during the load',
  );
});
