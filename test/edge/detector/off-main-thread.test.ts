import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InferenceCore } from '../../../src/edge/detector/inference-core.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { greyFrame, shippedModel } from './support.ts';

/** Runs `work` while a 5 ms interval ticks; returns the longest gap between ticks and the tick count. */
async function watchLoop<T>(work: () => Promise<T>): Promise<{ result: T; maxGapMs: number; ticks: number; elapsedMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  h.enable();
  const t0 = performance.now();
  const result = await work();
  const elapsedMs = performance.now() - t0;
  h.disable();
  clearInterval(timer);
  maxGapMs = Math.max(maxGapMs, performance.now() - last, h.max / 1e6);
  return { result, maxGapMs, ticks, elapsedMs };
}

test('with a deliberately slow model, the main thread keeps turning while the model runs (the run is in a worker)', {
  timeout: 120_000,
}, async () => {
  const detector = await OnnxDetector.open({ model: shippedModel('slow.onnx'), threads: 1 });
  try {
    const seen = await watchLoop(() => detector.detect(greyFrame(64, 64)));
    assert.ok(seen.result.modelMs >= 150, `the model run took ${seen.result.modelMs.toFixed(0)} ms: slow enough to stall a thread`);
    // Relative, not absolute: on a loaded 2-core machine the OS alone can hold a thread for 100+ ms; a run on
    // this thread would hold it for the whole run (the control below).
    assert.ok(
      seen.maxGapMs < seen.result.modelMs / 2,
      `longest event-loop gap ${seen.maxGapMs.toFixed(1)} ms during a ${seen.result.modelMs.toFixed(0)} ms model run`,
    );
    assert.ok(seen.ticks >= seen.elapsedMs / 5 / 4, `${seen.ticks} ticks of a 5 ms timer in ${seen.elapsedMs.toFixed(0)} ms`);
    assert.deepEqual(
      seen.result.detections.map((d) => d.class),
      ['part'],
      'and the result still comes back',
    );
  } finally {
    await detector.close();
  }
});

test('control: the same model run on the main thread stalls its event loop for the whole run', { timeout: 120_000 }, async () => {
  // Shows the measurement above can see a blocking run: onnxruntime-node's session.run blocks its thread.
  const core = await InferenceCore.load({ model: shippedModel('slow.onnx'), threads: 1 });
  try {
    const seen = await watchLoop(() => core.run(greyFrame(64, 64)));
    assert.ok(seen.result.modelMs >= 150);
    assert.ok(
      seen.maxGapMs >= seen.result.modelMs * 0.8,
      `longest gap ${seen.maxGapMs.toFixed(0)} ms for a ${seen.result.modelMs.toFixed(0)} ms run on this thread`,
    );
  } finally {
    await core.close();
  }
});
