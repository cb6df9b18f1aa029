import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CameraPipeline } from '../../../src/edge/camera-pipeline.ts';
import type { Detector } from '../../../src/edge/detector/detector.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { SharedDetector } from '../../../src/edge/detector/shared-detector.ts';
import type { Frame, FrameSource } from '../../../src/edge/frames/frame-source.ts';
import { greyFrame, shippedModel } from './support.ts';

let shared: SharedDetector;
before(async () => {
  shared = new SharedDetector(await OnnxDetector.open({ model: shippedModel('seamline-conveyor.onnx'), nice: 0 }));
});
after(() => shared.close());

/** Offers frames as fast as the detector takes them: always one request waiting, until `until`. */
async function flood(handle: Detector, until: number, size: [number, number]): Promise<number> {
  let served = 0;
  for (let i = 0; Date.now() < until; i++) {
    await handle.detect(greyFrame(size[0], size[1], i));
    served++;
  }
  return served;
}

/** A live source that delivers one frame every `everyMs` until stopped. */
function slowSource(everyMs: number): FrameSource & { offered: () => number } {
  let timer: NodeJS.Timeout | undefined;
  let offered = 0;
  return {
    kind: 'test-slow',
    done: new Promise(() => {}),
    offered: () => offered,
    async start(onFrame: (frame: Frame) => void) {
      timer = setInterval(() => void onFrame(greyFrame(320, 240, offered++)), everyMs);
    },
    stats: () => ({ framesRead: offered, restarts: 0 }),
    async stop() {
      clearInterval(timer);
    },
  };
}

test('four cameras offering as fast as they can get turns within 10% of each other; a slow camera gets every frame served', {
  timeout: 60_000,
}, async () => {
  const names = ['fast-1', 'fast-2', 'fast-3', 'fast-4'];
  const handles = names.map((n) => shared.forCamera(n));
  // Different frame sizes: a camera's turn is one frame, whatever its size costs.
  const sizes: [number, number][] = [
    [640, 360],
    [1280, 720],
    [320, 240],
    [960, 540],
  ];
  const slow = slowSource(250);
  const slowHandle = shared.forCamera('slow');
  let slowServed = 0;
  const pipeline = new CameraPipeline({ source: slow, detector: slowHandle, sink: async () => {}, onResult: () => slowServed++ });
  await pipeline.start();
  const until = Date.now() + 3000;
  const served = await Promise.all(handles.map((h, i) => flood(h, until, sizes[i])));
  await pipeline.stop();
  const stats = shared.stats();
  const runs = names.map((n) => stats.cameras[n].runs);
  assert.deepEqual(runs, served);
  const [lo, hi] = [Math.min(...runs), Math.max(...runs)];
  assert.ok(lo >= 10, `each camera ran at least 10 frames in 3 s: ${runs}`);
  assert.ok(hi <= lo * 1.1, `run counts within 10%: ${runs}`);
  for (const n of names) assert.ok(stats.cameras[n].waits > 0, `${n} waited its turn`);
  // The slow camera: every frame it offered was served, none dropped, even with four cameras flooding.
  const p = pipeline.stats();
  assert.equal(p.frames_skipped, 0, JSON.stringify(p));
  assert.ok(slow.offered() >= 10, `offered ${slow.offered()}`);
  assert.equal(p.frames_inferred, slow.offered());
  assert.equal(slowServed, slow.offered());
  assert.equal(stats.cameras.slow.runs, slow.offered());
  await Promise.all([...handles, slowHandle].map((h) => h.close()));
});

test('closing one camera handle leaves the others working; closing the shared detector closes the model', {
  timeout: 60_000,
}, async () => {
  const [a, b, c] = ['close-a', 'close-b', 'close-c'].map((n) => shared.forCamera(n));
  const until = Date.now() + 800;
  const runs = Promise.all([b, c].map((h) => flood(h, until, [640, 360])));
  await a.detect(greyFrame(640, 360));
  await a.close();
  await assert.rejects(a.detect(greyFrame(640, 360)), /closed/);
  const [nb, nc] = await runs;
  assert.ok(nb > 3 && nc > 3, `others kept running: ${nb}, ${nc}`);
  const r = await b.detect(greyFrame(640, 360));
  assert.ok(Array.isArray(r.detections));
  assert.equal(shared.stats().cameras['close-a'].runs, 1);
  assert.throws(() => shared.forCamera('close-b'), /already has a handle/);

  // Its own model: closing the SharedDetector closes it, and every handle refuses from then on.
  const inner = await OnnxDetector.open({ model: shippedModel('seamline-conveyor.onnx'), nice: 0 });
  const own = new SharedDetector(inner);
  const h = own.forCamera('x');
  await h.detect(greyFrame(320, 240));
  await h.close();
  await h.close();
  // A handle's close left the model loaded.
  assert.equal((await inner.detect(greyFrame(320, 240))).detections.length >= 0, true);
  assert.equal(own.stats().runs, 2);
  await own.close();
  await assert.rejects(inner.detect(greyFrame(320, 240)), /detector is closed/);
  assert.throws(() => own.forCamera('y'), /closed/);
  await Promise.all([b, c].map((x) => x.close()));
});
