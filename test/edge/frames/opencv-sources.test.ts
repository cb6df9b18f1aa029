// The real sources through the detector's Preprocessor, against OpenCV on the same decoded pixels: an image
// file (a PNG written by sharp, lossless) through the image source, and a video (ffv1 RGB in Matroska,
// lossless) through the ffmpeg source. The sources must deliver the decoded pixels at their own size, and
// the tensor must be within 1 level of cv2.resize(INTER_LINEAR) + Ultralytics' 114 padding, every pixel.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { Preprocessor } from '../../../src/edge/detector/preprocess.ts';
import { FfmpegSource } from '../../../src/edge/frames/ffmpeg-source.ts';
import type { Frame, FrameSource, PixelLayout } from '../../../src/edge/frames/frame-source.ts';
import { ImageSource } from '../../../src/edge/frames/image-source.ts';
import { compareTensor, opencvLetterbox, testPicture } from '../detector/opencv-reference.ts';
import { ffmpeg, tempDir } from './media.ts';

const tmp = tempDir('opencv-sources');
after(() => tmp.remove());

const SIZES: [number, number][] = [
  [1920, 1080],
  [1080, 1920],
  [641, 479],
  [333, 777],
  [100, 60],
  [32, 24],
  [639, 641],
];
const TARGETS = [
  { width: 640, height: 640 },
  { width: 320, height: 320 },
];

async function readAll(source: FrameSource): Promise<Frame[]> {
  const frames: Frame[] = [];
  await source.start((f) => void frames.push(f));
  await source.done;
  await source.stop();
  return frames;
}

/** Interleaved RGB of a frame, whichever layout it came in. */
function interleaved(f: Frame): Buffer {
  if (f.layout !== 'chw') return f.pixels;
  const plane = f.pixelsWidth * f.pixelsHeight;
  const out = Buffer.alloc(plane * 3);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = f.pixels[c * plane + i];
  return out;
}

/** The frame's tensor for each model input against OpenCV's letterbox of `pictures` (what was encoded). */
async function checkAgainstOpenCv(f: Frame, picture: Buffer, label: string): Promise<number> {
  let worst = 0;
  for (const size of TARGETS) {
    const ref = await opencvLetterbox(picture, f.width, f.height, size);
    const pre = new Preprocessor(size);
    pre.run(f);
    const d = compareTensor(pre.tensor, ref.pixels, size);
    assert.ok(d.max <= 1, `${label} -> ${size.width}: ${d.over1} values off by more than 1, worst ${d.at}`);
    worst = Math.max(worst, d.max);
  }
  return worst;
}

for (const [w, h] of SIZES) {
  test(`image source: a ${w}x${h} PNG arrives at its own size, unletterboxed, and letterboxes within 1 level of OpenCV`, {
    timeout: 60_000,
  }, async () => {
    const picture = testPicture(w, h, w + 31 * h);
    const path = tmp.file(`${w}x${h}.png`);
    await sharp(picture, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(path);
    const [f] = await readAll(new ImageSource({ path }));
    assert.deepEqual([f.width, f.height, f.pixelsWidth, f.pixelsHeight, f.letterbox], [w, h, w, h, undefined]);
    assert.ok(f.pixels.equals(picture), 'the decoded pixels are the PNG’s');
    const worst = await checkAgainstOpenCv(f, picture, `image ${w}x${h}`);
    console.log(`image ${w}x${h}: largest difference from OpenCV ${worst.toFixed(3)}`);
  });
}

for (const [w, h, layout] of [
  [1920, 1080, 'hwc'],
  [1080, 1920, 'chw'],
  [641, 479, 'hwc'],
  [333, 777, 'chw'],
  [100, 60, 'hwc'],
  [32, 24, 'hwc'],
] as [number, number, PixelLayout][]) {
  test(`ffmpeg source: a lossless ${w}x${h} video arrives at its own size (${layout}), and each frame letterboxes within 1 level of OpenCV`, {
    timeout: 120_000,
  }, async () => {
    const pictures = [testPicture(w, h, 11), testPicture(w, h, 12)];
    const raw = tmp.file(`${w}x${h}.rgb`);
    writeFileSync(raw, Buffer.concat(pictures));
    const video = tmp.file(`${w}x${h}.mkv`);
    ffmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-r', '10', '-i', raw, '-c:v', 'ffv1', '-pix_fmt', 'bgr0', video]);
    const frames = await readAll(new FfmpegSource({ input: video, layout }));
    assert.equal(frames.length, 2);
    for (const [i, f] of frames.entries()) {
      assert.deepEqual([f.width, f.height, f.pixelsWidth, f.pixelsHeight, f.letterbox], [w, h, w, h, undefined]);
      assert.equal(f.layout, layout === 'chw' ? 'chw' : undefined);
      assert.ok(interleaved(f).equals(pictures[i]), `frame ${i}: the decoded pixels are the ones encoded`);
      const worst = await checkAgainstOpenCv(f, pictures[i], `video ${w}x${h} frame ${i}`);
      console.log(`video ${w}x${h} frame ${i}: largest difference from OpenCV ${worst.toFixed(3)}`);
    }
  });
}
