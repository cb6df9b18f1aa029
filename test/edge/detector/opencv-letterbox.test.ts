// Seamline's letterbox against OpenCV's own: the Preprocessor's tensor (x255) must be within 1 level of
// cv2.resize(INTER_LINEAR) + copyMakeBorder(114) with Ultralytics' rounding, every pixel, on downscales and
// upscales, portrait and landscape, odd sizes, into a 640x640 and a 320x320 model input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { PREPROCESS, Preprocessor } from '../../../src/edge/detector/preprocess.ts';
import { compareBytes, compareTensor, opencvLetterbox, testPicture } from './opencv-reference.ts';

const SIZES: [number, number][] = [
  [1920, 1080],
  [1080, 1920],
  [1280, 720],
  [1280, 721],
  [641, 479],
  [333, 777],
  [100, 60],
  [32, 24],
  [3000, 2000],
  [640, 640],
  [639, 641],
  [17, 1001],
  [4000, 13],
  [480, 854],
];
const TARGETS = [
  { width: 640, height: 640 },
  { width: 320, height: 320 },
];

/** Planar copy of an interleaved picture (the ffmpeg source's `chw` layout). */
function toChw(px: Buffer, w: number, h: number): Buffer {
  const plane = w * h;
  const out = Buffer.alloc(px.length);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = px[i * 3 + c];
  return out;
}

test(`the preprocessing is named as what it computes: ${PREPROCESS}`, () => {
  assert.equal(PREPROCESS, 'letterbox: bilinear (cv2 INTER_LINEAR), pad 114');
});

const worst: Record<string, number> = {};
for (const [w, h] of SIZES) {
  test(`${w}x${h}: Seamline's letterbox equals OpenCV's within 1 level, every pixel, into 640x640 and 320x320, both pixel layouts`, {
    timeout: 120_000,
  }, async () => {
    const px = testPicture(w, h, w * 7919 + h);
    const chw = w * h <= 1_000_000 ? toChw(px, w, h) : undefined;
    for (const size of TARGETS) {
      const ref = await opencvLetterbox(px, w, h, size);
      const pre = new Preprocessor(size);
      const placement = pre.run({ width: w, height: h, pixels: px, pixelsWidth: w, pixelsHeight: h });
      assert.deepEqual(
        [placement.innerWidth, placement.innerHeight, placement.padLeft, placement.padTop],
        [ref.newW, ref.newH, ref.left, ref.top],
        'placement',
      );
      const d = compareTensor(pre.tensor, ref.pixels, size);
      worst[`${w}x${h}->${size.width}`] = Math.round(d.max * 1000) / 1000;
      assert.ok(d.max <= 1, `${w}x${h} -> ${size.width}: ${d.over1} values off by more than 1, worst ${d.at}`);
      if (chw) {
        const planar = new Preprocessor(size);
        planar.run({ width: w, height: h, pixels: chw, pixelsWidth: w, pixelsHeight: h, layout: 'chw' });
        assert.deepEqual(planar.tensor, pre.tensor, 'chw gives the same tensor as hwc');
      }
    }
  });
}

test('the largest difference from OpenCV over every size and model input is at most 1 level', () => {
  const max = Math.max(...Object.values(worst));
  console.log(`largest |Seamline x255 - OpenCV| per case: ${JSON.stringify(worst)}; max ${max}`);
  assert.equal(Object.keys(worst).length, SIZES.length * TARGETS.length);
  assert.ok(max <= 1, `max ${max}`);
});

test('a 4000x3 frame, whose letterbox rounds to no rows at all (cv2.resize would refuse it), gives an all-grey tensor', () => {
  const pre = new Preprocessor({ width: 640, height: 640 });
  const placement = pre.run({ width: 4000, height: 3, pixels: testPicture(4000, 3), pixelsWidth: 4000, pixelsHeight: 3 });
  assert.deepEqual([placement.innerWidth, placement.innerHeight], [640, 0]);
  assert.ok(pre.tensor.every((v) => v === Math.fround(114 / 255)));
});

test("the guard sees the resize that was used before: libvips' linear kernel is more than 1 level from OpenCV", {
  timeout: 60_000,
}, async () => {
  // What image files were letterboxed with until now (image.resize(..., { kernel: 'linear' }) + extend 114).
  for (const [w, h] of [
    [1920, 1080],
    [641, 479],
    [100, 60],
  ] as [number, number][]) {
    const size = { width: 640, height: 640 };
    const px = testPicture(w, h, 3);
    const ref = await opencvLetterbox(px, w, h, size);
    const bottom = size.height - ref.newH - ref.top;
    const right = size.width - ref.newW - ref.left;
    const vips = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .resize(ref.newW, ref.newH, { fit: 'fill', kernel: 'linear' })
      .extend({ top: ref.top, bottom, left: ref.left, right, background: { r: 114, g: 114, b: 114 } })
      .raw()
      .toBuffer();
    const d = compareBytes(vips, ref.pixels);
    assert.ok(d.max > 1 && d.over1 > 1000, `${w}x${h}: libvips differs by up to ${d.max} (${d.over1} values over 1)`);
  }
});
