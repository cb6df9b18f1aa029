import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBridge } from '../../src/edge/bridge/bridge.ts';
import { tempDir } from './support.ts';

/**
 * Regression (issue 14): seamline_edge_dropped_total had no sample until the first drop, so the documented
 * alert on any increase missed that first drop. Every counter of a bridge is exported at 0 from the start.
 */
test('a new bridge exports every counter, with its labels, at 0 before anything happened', { timeout: 30_000 }, async () => {
  const { dir, cleanup } = tempDir();
  const bridge = createBridge({
    url: 'mqtt://127.0.0.1:1',
    clientId: 'zero-counters',
    region: 'eu',
    site: 'plant-1',
    camera: 'cam-01',
    dataDir: dir,
  });
  try {
    const text = await bridge.registry.metrics();
    const sample = (series: string) => text.split('\n').find((l) => l.startsWith(`${series} `));
    const id = 'client_id="zero-counters"';
    for (const name of ['accepted', 'published', 'acknowledged', 'dropped', 'reconnects']) {
      assert.equal(sample(`seamline_edge_${name}_total{${id}}`), `seamline_edge_${name}_total{${id}} 0`, `${name} at 0`);
    }
    for (const code of ['SEAM_ERR_INVALID_INPUT', 'SEAM_ERR_OUTBOX_FULL']) {
      assert.equal(sample(`seamline_edge_refused_total{${id},code="${code}"}`), `seamline_edge_refused_total{${id},code="${code}"} 0`);
    }
    assert.equal(sample(`seamline_edge_puback_latency_seconds_count{${id}}`), `seamline_edge_puback_latency_seconds_count{${id}} 0`);
    // The path is live: a refused record moves its counter off 0.
    await bridge.accept({ nonsense: true }).catch(() => {});
    const after = await bridge.registry.metrics();
    assert.match(after, new RegExp(`seamline_edge_refused_total\\{${id},code="SEAM_ERR_INVALID_INPUT"\\} 1`));
  } finally {
    await bridge.close();
    cleanup();
  }
});
