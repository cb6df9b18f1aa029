import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Candidates } from '../../../src/edge/detector/layouts/candidates.ts';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';
import { mapToFrame } from '../../../src/edge/detector/map-boxes.ts';
import { PAD_VALUE, Preprocessor } from '../../../src/edge/detector/preprocess.ts';

const MODEL = { width: 640, height: 640 };

// Frame sizes with their Ultralytics placement (LetterBox(auto=False, scaleup=True, center=True)).
const FRAMES = [
  { name: 'landscape 1920x1080', width: 1920, height: 1080, inner: [640, 360], pad: [0, 140] },
  { name: 'portrait 1080x1920', width: 1080, height: 1920, inner: [360, 640], pad: [140, 0] },
  { name: 'square 1000x1000', width: 1000, height: 1000, inner: [640, 640], pad: [0, 0] },
  { name: 'landscape 700x355 (odd padding: 157 top, 158 bottom)', width: 700, height: 355, inner: [640, 325], pad: [0, 157] },
  { name: 'portrait 333x500 (upscaled)', width: 333, height: 500, inner: [426, 640], pad: [107, 0] },
];

function drawRect(width: number, height: number, r: [number, number, number, number]): Buffer {
  const px = Buffer.alloc(width * height * 3, 20);
  for (let y = r[1]; y < r[1] + r[3]; y++) for (let x = r[0]; x < r[0] + r[2]; x++) px[(y * width + x) * 3] = 255;
  return px;
}

for (const f of FRAMES) {
  test(`letterbox placement of a ${f.name} frame is Ultralytics'`, { timeout: 5_000 }, () => {
    const p = letterboxPlacement(f.width, f.height, MODEL);
    assert.deepEqual([p.innerWidth, p.innerHeight, p.padLeft, p.padTop], [...f.inner, ...f.pad]);
  });

  test(`a box survives the round trip into model pixels and back exactly on a ${f.name} frame`, { timeout: 5_000 }, () => {
    const p = letterboxPlacement(f.width, f.height, MODEL);
    const box = [Math.round(f.width * 0.21), Math.round(f.height * 0.37), Math.round(f.width * 0.3), Math.round(f.height * 0.11)];
    const c = new Candidates();
    const toModel = (v: number, pad: number) => v * p.scale + pad;
    c.push(
      toModel(box[0], p.padLeft),
      toModel(box[1], p.padTop),
      toModel(box[0] + box[2], p.padLeft),
      toModel(box[1] + box[3], p.padTop),
      0.9,
      0,
    );
    const [d] = mapToFrame(c, [0], p, f, ['part']);
    d.bbox.forEach((v, i) => assert.ok(Math.abs(v - box[i]) < 0.01, `bbox[${i}] ${v} vs ${box[i]}`));
  });

  test(`letterboxed pixels of a ${f.name} frame map back to the drawn rectangle within a pixel`, { timeout: 10_000 }, () => {
    const rect: [number, number, number, number] = [
      Math.round(f.width * 0.3),
      Math.round(f.height * 0.4),
      Math.round(f.width * 0.25),
      Math.round(f.height * 0.2),
    ];
    const pre = new Preprocessor(MODEL);
    const p = pre.run({
      width: f.width,
      height: f.height,
      pixels: drawRect(f.width, f.height, rect),
      pixelsWidth: f.width,
      pixelsHeight: f.height,
    });
    const t = pre.tensor;
    const plane = MODEL.width * MODEL.height;
    // Padding is grey 114 in all three planes; the frame's own pixels (20 or 255) are not.
    const at = (x: number, y: number, c = 0) => Math.round(t[c * plane + y * MODEL.width + x] * 255);
    if (p.padTop > 0)
      assert.deepEqual(
        [at(5, p.padTop - 1), at(5, p.padTop - 1, 2), at(5, p.padTop + p.innerHeight, 1)],
        [PAD_VALUE, PAD_VALUE, PAD_VALUE],
      );
    if (p.padLeft > 0) assert.deepEqual([at(p.padLeft - 1, 5), at(p.padLeft + p.innerWidth, 5, 1)], [PAD_VALUE, PAD_VALUE]);
    assert.equal(at(p.padLeft, p.padTop, 1), 20);
    // The rectangle's edges in model pixels: where red is more than halfway between 20 and 255.
    let x1 = Infinity,
      y1 = Infinity,
      x2 = -1,
      y2 = -1;
    for (let y = 0; y < MODEL.height; y++) {
      for (let x = 0; x < MODEL.width; x++) {
        if (at(x, y) > 137 && at(x, y, 1) === 20) {
          x1 = Math.min(x1, x);
          y1 = Math.min(y1, y);
          x2 = Math.max(x2, x + 1);
          y2 = Math.max(y2, y + 1);
        }
      }
    }
    const c = new Candidates();
    c.push(x1, y1, x2, y2, 0.9, 0);
    const [d] = mapToFrame(c, [0], p, f, ['part']);
    const pixel = Math.max(1, 1 / p.scale); // one model pixel, in frame pixels
    d.bbox.forEach((v, i) =>
      assert.ok(Math.abs(v - rect[i]) <= pixel, `bbox[${i}] ${v} vs drawn ${rect[i]} (one model pixel = ${pixel.toFixed(2)} frame pixels)`),
    );
  });
}

test('planar (chw) pixels letterbox to exactly the tensor interleaved ones do, resized or copied', { timeout: 10_000 }, () => {
  for (const [w, h] of [
    [1280, 720],
    [700, 355],
    [640, 640],
  ]) {
    const hwc = drawRect(w, h, [100, 50, 120, 90]);
    for (let i = 0; i < hwc.length; i++) hwc[i] = (hwc[i] + i * 31) & 255; // every channel differs
    const chw = Buffer.alloc(hwc.length);
    const plane = w * h;
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) chw[c * plane + i] = hwc[i * 3 + c];
    const a = new Preprocessor(MODEL);
    const b = new Preprocessor(MODEL);
    a.run({ width: w, height: h, pixels: hwc, pixelsWidth: w, pixelsHeight: h });
    b.run({ width: w, height: h, pixels: chw, pixelsWidth: w, pixelsHeight: h, layout: 'chw' });
    assert.deepEqual(b.tensor, a.tensor, `${w}x${h}`);
  }
});

test('boxes are clipped to the frame, and a box wholly in the padding is dropped', { timeout: 5_000 }, () => {
  const f = { width: 1920, height: 1080 };
  const p = letterboxPlacement(f.width, f.height, MODEL);
  const c = new Candidates();
  c.push(-10, 100, 50, 200, 0.9, 0); // sticks out left
  c.push(600, 480, 700, 520, 0.8, 0); // sticks out right and into the bottom padding
  c.push(10, 10, 60, 100, 0.7, 0); // entirely in the top padding (rows 0..139)
  const out = mapToFrame(c, [0, 1, 2], p, f, ['part']);
  assert.deepEqual(
    out.map((d) => d.bbox),
    [
      [0, 0, 150, 180], // model x -10..50, y 100..200 is frame x -30..150, y -120..180
      [1800, 1020, 120, 60],
    ],
  );
});
