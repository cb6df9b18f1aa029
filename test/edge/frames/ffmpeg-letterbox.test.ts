// The ffmpeg source delivers every frame at its decoded size, and the detector's Preprocessor letterboxes it
// (cv2.resize INTER_LINEAR, Ultralytics' placement): here the placement and the pixels of the tensor on white
// pictures, every pad pixel 114 and the content edge on the line. opencv-sources.test.ts holds the resized
// pixels themselves to OpenCV's.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Preprocessor } from '../../../src/edge/detector/preprocess.ts';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';
import { FfmpegSource } from '../../../src/edge/frames/ffmpeg-source.ts';
import type { Frame, LetterboxRequest, PixelLayout } from '../../../src/edge/frames/frame-source.ts';
import { checkLetterbox, makeVideo, tempDir, tensorBytes } from './media.ts';

const tmp = tempDir('ffmpeg-letterbox');
const SQUARE = { width: 640, height: 640 };
// Each case is a white picture of this size letterboxed to `target`; `expect` is what letterboxPlacement
// gives, written out so the test also pins the rounding it depends on.
const CASES: { name: string; width: number; height: number; target: LetterboxRequest; expect: [number, number, number, number] }[] = [
  { name: 'portrait 480x854', width: 480, height: 854, target: SQUARE, expect: [360, 640, 140, 0] },
  // 721 * 0.5 = 360.5: Python's round() gives 360 (half to even) where round-half-up would give 361.
  { name: 'landscape 1280x721 (a half to round to even)', width: 1280, height: 721, target: SQUARE, expect: [640, 360, 0, 140] },
  // 361 rows leave 279 to pad: 139 above, 140 below.
  { name: 'landscape 1280x722 (odd padding)', width: 1280, height: 722, target: SQUARE, expect: [640, 361, 0, 139] },
  { name: 'square 300x300 into a 640x384 input', width: 300, height: 300, target: { width: 640, height: 384 }, expect: [384, 384, 128, 0] },
  { name: 'square 500x500 into 640x640 (no padding)', width: 500, height: 500, target: SQUARE, expect: [640, 640, 0, 0] },
];

before(() => {
  for (const c of CASES)
    makeVideo(tmp.file(`${c.width}x${c.height}.mkv`), `color=c=white:size=${c.width}x${c.height}:rate=10`, { frames: 2 });
});
after(() => tmp.remove());

async function readAll(path: string, layout?: PixelLayout): Promise<Frame[]> {
  const source = new FfmpegSource({ input: path, layout });
  const frames: Frame[] = [];
  await source.start((f) => void frames.push(f));
  await source.done;
  return frames;
}

async function firstFrame(path: string, layout?: PixelLayout): Promise<Frame> {
  const frames = await readAll(path, layout);
  assert.equal(frames.length, 2);
  return frames[0];
}

/** The detector's letterbox of a frame, as planar bytes, and the placement it reported. */
function letterboxed(frame: Frame, target: LetterboxRequest) {
  const pre = new Preprocessor(target);
  const placement = pre.run(frame);
  return { placement, bytes: tensorBytes(pre.tensor) };
}

for (const c of CASES) {
  test(`ffmpeg delivers ${c.name} at its own size; the detector letterboxes it where letterboxPlacement says: pad 114, content edge on the line`, {
    timeout: 60_000,
  }, async () => {
    const placement = letterboxPlacement(c.width, c.height, c.target);
    assert.deepEqual([placement.innerWidth, placement.innerHeight, placement.padLeft, placement.padTop], c.expect);
    const frame = await firstFrame(tmp.file(`${c.width}x${c.height}.mkv`));
    assert.deepEqual(
      [frame.width, frame.height, frame.pixelsWidth, frame.pixelsHeight, frame.pixels.length, frame.letterbox],
      [c.width, c.height, c.width, c.height, c.width * c.height * 3, undefined],
    );
    const boxed = letterboxed(frame, c.target);
    assert.deepEqual(boxed.placement, placement);
    const check = checkLetterbox(boxed.bytes, c.target, placement, 'chw');
    assert.deepEqual([check.badPad, check.badContent], [0, 0], check.first);
  });
}

test('the planar layout arrives at its own size too and letterboxes the same way in each of its three planes', {
  timeout: 60_000,
}, async () => {
  const c = CASES[2];
  const frame = await firstFrame(tmp.file(`${c.width}x${c.height}.mkv`), 'chw');
  assert.deepEqual([frame.layout, frame.pixelsWidth, frame.pixelsHeight], ['chw', c.width, c.height]);
  const boxed = letterboxed(frame, c.target);
  const check = checkLetterbox(boxed.bytes, c.target, boxed.placement, 'chw');
  assert.deepEqual([check.badPad, check.badContent], [0, 0], check.first);
});

test('the check sees a picture one row off: a 1280x721 frame placed as if it were 1280x722 fails', { timeout: 60_000 }, async () => {
  // Guards the guard: the geometry of the neighbouring size must not pass the pixel scan.
  const boxed = letterboxed(await firstFrame(tmp.file('1280x721.mkv')), SQUARE);
  const wrong = letterboxPlacement(1280, 722, SQUARE);
  const check = checkLetterbox(boxed.bytes, SQUARE, wrong, 'chw');
  assert.ok(check.badPad + check.badContent >= 640, `one row of 640 pixels differs (${check.badPad}, ${check.badContent})`);
});

test('a stream that changes resolution mid-way delivers each frame at its own size, and each is letterboxed for its size', {
  timeout: 60_000,
}, async () => {
  // Two MPEG-TS segments of different sizes, back to back in one file, as a camera switching profiles sends.
  const a = makeVideo(tmp.file('a.ts'), 'color=c=white:size=320x240:rate=25', { frames: 10, codec: 'libx264' });
  const b = makeVideo(tmp.file('b.ts'), 'color=c=white:size=160x200:rate=25', {
    frames: 10,
    codec: 'libx264',
    extra: ['-output_ts_offset', '0.4'],
  });
  const joined = tmp.file('joined.ts');
  writeFileSync(joined, Buffer.concat([readFileSync(a), readFileSync(b)]));

  const frames = await readAll(joined);
  assert.deepEqual(
    frames.map((f) => `${f.width}x${f.height} ${f.pixelsWidth}x${f.pixelsHeight} ${f.pixels.length}`),
    [...Array(10).fill(`320x240 320x240 ${320 * 240 * 3}`), ...Array(10).fill(`160x200 160x200 ${160 * 200 * 3}`)],
  );
  for (const f of [frames[0], frames[19]]) {
    const boxed = letterboxed(f, SQUARE);
    assert.deepEqual(boxed.placement, letterboxPlacement(f.width, f.height, SQUARE));
    const check = checkLetterbox(boxed.bytes, SQUARE, boxed.placement, 'chw');
    assert.deepEqual([check.badPad, check.badContent], [0, 0], `${f.width}x${f.height}: ${check.first}`);
  }
});
