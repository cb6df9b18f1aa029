import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONVEYOR_CLASSES } from '../../../src/edge/frames/conveyor-scene.ts';
import type { Frame } from '../../../src/edge/frames/frame-source.ts';
import { SyntheticSource } from '../../../src/edge/frames/synthetic-source.ts';

test('the same seed renders the same frames and truth; another seed another scene', { timeout: 10_000 }, () => {
  const a = new SyntheticSource({ seed: 7 }).render(42, 0);
  const b = new SyntheticSource({ seed: 7 }).render(42, 0);
  const c = new SyntheticSource({ seed: 8 }).render(42, 0);
  assert.ok(a.pixels.equals(b.pixels));
  assert.deepEqual(a.truth, b.truth);
  assert.notDeepEqual(a.truth, c.truth);
});

test('each truth box is drawn in its class colour, inside the frame, and parts move right between frames', { timeout: 10_000 }, () => {
  const src = new SyntheticSource({ seed: 3 });
  const f = src.render(10);
  assert.ok(f.truth && f.truth.length >= 3, 'a few objects in view');
  const classes = new Set<number>();
  for (const t of f.truth) {
    const [x, y, w, h] = t.bbox;
    assert.ok(x >= 0 && y >= 0 && x + w <= f.width && y + h <= f.height);
    const cx = Math.floor(x + w / 2);
    const cy = Math.floor(y + h / 2);
    // Parts may carry a defect at their centre; defects are solid.
    if (t.class_id !== 0)
      assert.deepEqual([...f.pixels.subarray((cy * f.width + cx) * 3, (cy * f.width + cx) * 3 + 3)], [...CONVEYOR_CLASSES[t.class_id].rgb]);
    classes.add(t.class_id);
  }
  const next = src.render(11);
  const part = (fr: Frame) => fr.truth!.filter((t) => t.class_id === 0 && t.bbox[0] > 0 && t.bbox[0] + t.bbox[2] < fr.width)[0].bbox[0];
  assert.equal(part(next) - part(f), 8, 'the belt moves 8 px a frame');
});

test('over many frames every class appears', { timeout: 10_000 }, () => {
  const src = new SyntheticSource({ seed: 1 });
  const seen = new Set<string>();
  for (let i = 0; i < 600; i += 5) for (const t of src.render(i).truth!) seen.add(t.class);
  assert.deepEqual([...seen].sort(), CONVEYOR_CLASSES.map((c) => c.name).sort());
});

test('a paced source delivers about fps frames a second, a frame limit ends it, and stop ends it early', { timeout: 15_000 }, async () => {
  const paced = new SyntheticSource({ fps: 20, frames: 10 });
  const times: number[] = [];
  await paced.start((fr) => void times.push(fr.capturedAt));
  await paced.done;
  assert.equal(times.length, 10);
  const span = times[9] - times[0];
  assert.ok(span >= 9 * 50 - 20 && span < 9 * 50 + 400, `10 frames at 20 fps span ${span} ms`);

  const endless = new SyntheticSource({ fps: 5 });
  let n = 0;
  await endless.start(() => void n++);
  await new Promise((r) => setTimeout(r, 300));
  await endless.stop();
  const after = n;
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(after >= 1 && n === after, `no frame after stop (had ${after}, then ${n})`);
  assert.equal(endless.stats().framesRead, after);
});
