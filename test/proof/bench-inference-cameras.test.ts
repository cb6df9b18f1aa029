import assert from 'node:assert/strict';
import { test } from 'node:test';
import { camerasLines, runCamerasBench } from '../../src/proof/bench/inference/cameras-bench.ts';
import { BUNDLED_MODEL } from '../../src/edge/detector/model/bundled-model.ts';
import { startAvailableBroker } from '../../src/proof/services/available-broker.ts';

test('bench inference --cameras: one camera, then three on one shared model, each in its own process', { timeout: 90_000 }, async () => {
  const broker = await startAvailableBroker();
  const lines: string[] = [];
  try {
    const r = await runCamerasBench({
      url: broker.url,
      protocol: broker.protocolVersion,
      model: BUNDLED_MODEL,
      threads: 1,
      cameras: 3,
      seconds: 4,
      idleSeconds: 1,
      warmupSeconds: 1,
      progress: (l) => lines.push(l),
    });
    assert.equal(lines.length, 2, 'one progress line per configuration');
    assert.equal(r.cameras, 3);
    assert.equal(r.source_fps, 5);
    assert.deepEqual(Object.keys(r.per_camera), ['cam-1', 'cam-2', 'cam-3']);
    for (const [name, c] of Object.entries(r.per_camera)) {
      assert.ok(c.frames_inferred > 0, `${name} inferred nothing`);
      assert.ok(c.fps > 0, `${name} fps ${c.fps}`);
      assert.ok(Number.isInteger(c.frames_skipped) && c.frames_skipped >= 0, `${name} frames_skipped ${c.frames_skipped}`);
      assert.ok(Number.isInteger(c.frames_read) && c.frames_read > 0, `${name} read ${c.frames_read}`);
    }
    assert.ok(Number.isInteger(r.frames_skipped) && r.frames_skipped >= 0);
    assert.equal(
      r.frames_skipped,
      Object.values(r.per_camera).reduce((a, c) => a + c.frames_skipped, 0),
    );
    assert.ok(r.fps_min > 0 && r.fps_max >= r.fps_min);
    assert.equal(r.fps_spread, Math.round((r.fps_max / r.fps_min - 1) * 1000) / 1000);
    assert.ok(r.one_camera_fps > 0);
    for (const rss of [r.rss_mb_1.peak, r.rss_mb_1.median, r.rss_mb_n.peak, r.rss_mb_n.median]) assert.ok(rss > 0, String(rss));
    assert.ok(r.rss_ratio > 0 && r.rss_ratio_median > 0);
    assert.ok(r.event_loop_p99_ms > 0 && r.event_loop_p99_idle_ms > 0 && r.one_camera_event_loop_p99_ms > 0);
    assert.ok(r.model_ms_p50 > 0);
    assert.deepEqual(Object.keys(r.waits), ['cam-1', 'cam-2', 'cam-3']);
    const table = camerasLines(r);
    for (const name of ['cam-1', 'cam-2', 'cam-3'])
      assert.ok(
        table.some((l) => l.trim().startsWith(name)),
        `${name} has a row`,
      );
  } finally {
    await broker.close();
  }
});
