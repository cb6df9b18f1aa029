import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CameraPipeline } from '../../../src/edge/camera-pipeline.ts';
import type { Detector } from '../../../src/edge/detector/detector.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { pixelPoolStats, takePixels } from '../../../src/edge/frames/frame-pool.ts';
import { SyntheticSource } from '../../../src/edge/frames/synthetic-source.ts';
import { shippedModel } from './support.ts';

/** Nice value of every thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

test("a camera at steady state allocates no pixel memory: the worker sends each frame's buffer back for the next", {
  timeout: 60_000,
}, async () => {
  const detector = await OnnxDetector.open({ model: shippedModel('layout-yolov8.onnx') });
  const source = new SyntheticSource({ width: 320, height: 240 });
  const before = pixelPoolStats();
  try {
    // Frame by frame, each rendered once the previous answer is back (what a camera slower than its detector does).
    for (let i = 0; i < 40; i++) {
      const frame = source.render(i);
      await detector.detect(frame);
      assert.equal(frame.pixels.byteLength, 0, 'the pixels went to the worker (moved, not copied)');
    }
    const after = pixelPoolStats();
    assert.equal(
      after.allocated - before.allocated + (after.reused - before.reused),
      40,
      'every rendered frame took its buffer from the pool',
    );
    assert.equal(after.allocated - before.allocated, before.free > 0 ? 0 : 1, 'one fresh buffer, for the first frame');
    assert.equal(after.recycled - before.recycled, 40, 'every buffer came back');
  } finally {
    await detector.close();
  }
});

test('frames the pipeline drops give their buffers back to the pool', { timeout: 60_000 }, async () => {
  // A detector that takes 30 ms and keeps nothing: the unpaced source floods the slot of one.
  const slow: Detector = {
    model: { name: 'slow', version: '1', names: ['part'], layout: 'yolov8', input: { width: 64, height: 64 } },
    detect: async () => {
      await new Promise((r) => setTimeout(r, 30));
      return { detections: [], inferredAt: Date.now(), modelMs: 30, prepostMs: 0 };
    },
    stats: () => ({ runs: 0, modelMsP50: 0, restarts: 0 }),
    close: async () => undefined,
  };
  const pipeline = new CameraPipeline({
    source: new SyntheticSource({ width: 320, height: 240, frames: 60 }),
    detector: slow,
    sink: async () => undefined,
  });
  const before = pixelPoolStats();
  await pipeline.start();
  await pipeline.done;
  const s = pipeline.stats();
  const after = pixelPoolStats();
  assert.ok(s.frames_skipped >= 30, `skipped ${s.frames_skipped} of 60`);
  assert.ok(
    after.recycled - before.recycled >= s.frames_skipped,
    `given back ${after.recycled - before.recycled}, skipped ${s.frames_skipped}`,
  );
  assert.ok(
    after.allocated - before.allocated <= s.frames_inferred + 4,
    `fresh buffers ${after.allocated - before.allocated}, inferred ${s.frames_inferred}`,
  );
});

test('a buffer comes back from the worker after a failed run too', { timeout: 60_000 }, async () => {
  const detector: Detector = await OnnxDetector.open({ model: shippedModel('layout-yolov8.onnx') });
  try {
    const before = pixelPoolStats();
    // A frame that claims to be letterboxed to the wrong size fails in the worker's preprocessing.
    const px = takePixels(32 * 32 * 3);
    const bad = {
      index: 0,
      capturedAt: Date.now(),
      width: 32,
      height: 32,
      pixels: px,
      pixelsWidth: 32,
      pixelsHeight: 32,
      letterbox: { scale: 1, padLeft: 0, padTop: 0, innerWidth: 32, innerHeight: 32 },
    };
    await assert.rejects(detector.detect(bad), /letterboxed to 32x32, the model wants 64x64/);
    assert.equal(px.byteLength, 0, 'the buffer was moved to the worker, not copied');
    assert.equal(pixelPoolStats().recycled - before.recycled, 1);
    assert.equal(takePixels(32 * 32 * 3).byteLength, 32 * 32 * 3);
    assert.equal(pixelPoolStats().reused - before.reused, 1, 'and is handed out again');
  } finally {
    await detector.close();
  }
});

test('the detector thread runs 10 nice steps below the process by default and only it; nice 0 leaves it alone', {
  timeout: 60_000,
}, async () => {
  const base = threadNices();
  const lowered = Math.min(19, base[0] + 10);
  assert.ok(lowered > base[0], `the process runs at nice ${base[0]}, so there is room to lower a thread`);
  const count = (nices: number[]) => nices.filter((n) => n === lowered).length;
  const a = await OnnxDetector.open({ model: shippedModel('layout-yolov8.onnx') });
  try {
    const nices = threadNices();
    assert.equal(count(nices), count(base) + 1, `one thread lowered: ${nices}`);
    assert.equal(nices[0], base[0], 'the main thread keeps its priority');
  } finally {
    await a.close();
  }
  assert.equal(count(threadNices()), count(base), 'the lowered thread ended with the detector');
  const b = await OnnxDetector.open({ model: shippedModel('layout-yolov8.onnx'), nice: 0 });
  try {
    assert.equal(count(threadNices()), count(base), 'nice 0: no thread lowered');
  } finally {
    await b.close();
  }
});
