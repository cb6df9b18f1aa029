import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Candidates } from '../../../src/edge/detector/layouts/candidates.ts';
import { yolov8Layout } from '../../../src/edge/detector/layouts/yolov8.ts';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';
import { PAD_VALUE, Preprocessor } from '../../../src/edge/detector/preprocess.ts';
import type { LetterboxPlacement } from '../../../src/edge/frames/frame-source.ts';

// The pre- and post-processing have fast paths (a gather with a fixed pitch for integer ratios, a table
// for uint8 -> float, borders painted once, a source-letterboxed frame converted inside its placement
// only, four class rows scanned at a time). Each is checked against a straightforward implementation.

const MODEL = { width: 640, height: 640 };

function noise(length: number, seed: number): Buffer {
  const px = Buffer.alloc(length);
  let s = seed;
  for (let i = 0; i < length; i++) px[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return px;
}

/** cv2.resize INTER_LINEAR written out per output pixel, plus the letterbox: the model tensor in 0..255. */
function referenceLetterbox(px: Buffer, w: number, h: number): { tensor: Float64Array; p: LetterboxPlacement } {
  const p = letterboxPlacement(w, h, MODEL);
  const plane = MODEL.width * MODEL.height;
  const tensor = new Float64Array(3 * plane).fill(PAD_VALUE);
  const at = (x: number, y: number, c: number) => px[(y * w + x) * 3 + c];
  for (let y = 0; y < p.innerHeight; y++) {
    const sy = Math.min(h - 1, Math.max(0, (y + 0.5) * (h / p.innerHeight) - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    for (let x = 0; x < p.innerWidth; x++) {
      const sx = Math.min(w - 1, Math.max(0, (x + 0.5) * (w / p.innerWidth) - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const [fx, fy] = [sx - x0, sy - y0];
      for (let c = 0; c < 3; c++) {
        const top = at(x0, y0, c) * (1 - fx) + at(x1, y0, c) * fx;
        const bottom = at(x0, y1, c) * (1 - fx) + at(x1, y1, c) * fx;
        tensor[c * plane + (y + p.padTop) * MODEL.width + x + p.padLeft] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return { tensor, p };
}

function maxDifference(t: Float32Array, ref: Float64Array): { diff: number; at: number } {
  let diff = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(t[i] * 255 - ref[i]);
    if (d > diff) [diff, at] = [d, i];
  }
  return { diff, at };
}

const SIZES = [
  ['landscape, integer ratio', 1920, 1080],
  ['portrait, integer ratio', 1080, 1920],
  ['landscape, half-pixel taps', 1280, 720],
  ['square, non-integer ratio', 1000, 1000],
  ['landscape, odd padding', 700, 355],
  ['portrait, upscaled', 333, 500],
  ['square, model size', 640, 640],
] as const;

for (const [name, w, h] of SIZES) {
  test(`the letterbox of a ${name} ${w}x${h} frame equals a per-pixel cv2-style reference within 1 per channel, in either pixel layout`, {
    timeout: 30_000,
  }, () => {
    const hwc = noise(w * h * 3, w * 31 + h);
    const { tensor: ref, p: refPlacement } = referenceLetterbox(hwc, w, h);
    const pre = new Preprocessor(MODEL);
    const p = pre.run({ width: w, height: h, pixels: hwc, pixelsWidth: w, pixelsHeight: h });
    assert.deepEqual(p, refPlacement);
    const { diff, at } = maxDifference(pre.tensor, ref);
    assert.ok(diff <= 1, `largest difference ${diff.toFixed(3)} at tensor index ${at}`);
    // The same pixels planar, through a preprocessor that already painted another frame's borders.
    const chw = Buffer.alloc(hwc.length);
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) chw[c * w * h + i] = hwc[i * 3 + c];
    const other = new Preprocessor(MODEL);
    other.run({ width: 300, height: 900, pixels: noise(300 * 900 * 3, 1), pixelsWidth: 300, pixelsHeight: 900 });
    other.run({ width: w, height: h, pixels: chw, pixelsWidth: w, pixelsHeight: h, layout: 'chw' });
    assert.deepEqual(other.tensor, pre.tensor);
  });
}

test('a frame the source letterboxed is converted inside its placement only, and equals converting every pixel', {
  timeout: 30_000,
}, () => {
  const pre = new Preprocessor(MODEL);
  for (const [w, h] of [
    [1920, 1080],
    [1080, 1920],
    [640, 640],
    [1920, 1080],
  ]) {
    const p = letterboxPlacement(w, h, MODEL);
    // What ffmpeg delivers: grey 114 borders around the scaled image.
    const px = Buffer.alloc(MODEL.width * MODEL.height * 3, PAD_VALUE);
    const inner = noise(p.innerWidth * p.innerHeight * 3, w + h);
    for (let y = 0; y < p.innerHeight; y++)
      inner.copy(px, ((y + p.padTop) * MODEL.width + p.padLeft) * 3, y * p.innerWidth * 3, (y + 1) * p.innerWidth * 3);
    const placement = pre.run({ width: w, height: h, pixels: px, pixelsWidth: 640, pixelsHeight: 640, letterbox: p });
    assert.deepEqual(placement, p);
    const plane = MODEL.width * MODEL.height;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        if (pre.tensor[c * plane + i] !== Math.fround(px[i * 3 + c] / 255))
          assert.fail(`${w}x${h}: pixel ${i} channel ${c} is ${pre.tensor[c * plane + i] * 255}, delivered ${px[i * 3 + c]}`);
      }
    }
  }
});

/** Ultralytics' decode written plainly: per anchor, the best class; keep it when above conf (and in the filter). */
function referenceDecode(data: Float32Array, nc: number, n: number, conf: number, classes?: Set<number>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let cls = -1;
    for (let c = 0; c < nc; c++) if (data[(4 + c) * n + i] > best) [best, cls] = [data[(4 + c) * n + i], c];
    if (!(best > conf) || (classes && !classes.has(cls))) continue;
    const [cx, cy, w, h] = [data[i], data[n + i], data[2 * n + i], data[3 * n + i]];
    out.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, best, cls].map((v) => Math.fround(v)));
  }
  return out;
}

for (const nc of [1, 3, 6, 80]) {
  test(`the YOLOv8 decode (four class rows at a time) equals a per-anchor argmax for ${nc} classes, with and without a class filter`, {
    timeout: 30_000,
  }, () => {
    const n = 8400;
    const data = new Float32Array((4 + nc) * n);
    let s = nc * 977;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let i = 0; i < 4 * n; i++) data[i] = rand() * 640;
    for (let i = 4 * n; i < data.length; i++) data[i] = rand() < 0.002 ? 0.25 + rand() * 0.75 : rand() * 0.3;
    data[4 * n + 7] = 0.25; // exactly conf: not kept (strictly above, as Ultralytics)
    for (const classes of [undefined, new Set([0, nc - 1])]) {
      const c = new Candidates();
      yolov8Layout.decode(data, [1, 4 + nc, n], { conf: 0.25, classes }, c);
      const got = Array.from({ length: c.count }, (_, i) => [c.x1[i], c.y1[i], c.x2[i], c.y2[i], c.score[i], c.cls[i]]);
      const want = referenceDecode(data, nc, n, 0.25, classes);
      assert.ok(want.length > 10, `the input has candidates (${want.length})`);
      assert.deepEqual(got, want);
    }
  });
}
