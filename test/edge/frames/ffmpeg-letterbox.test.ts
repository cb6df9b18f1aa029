import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';
import { FfmpegSource } from '../../../src/edge/frames/ffmpeg-source.ts';
import type { Frame, LetterboxRequest, PixelLayout } from '../../../src/edge/frames/frame-source.ts';
import { checkLetterbox, makeVideo, tempDir } from './media.ts';

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

async function readAll(path: string, letterbox?: LetterboxRequest, layout?: PixelLayout): Promise<Frame[]> {
  const source = new FfmpegSource({ input: path, letterbox, layout });
  const frames: Frame[] = [];
  await source.start((f) => void frames.push(f));
  await source.done;
  return frames;
}

async function firstFrame(path: string, letterbox: LetterboxRequest, layout?: PixelLayout): Promise<Frame> {
  const frames = await readAll(path, letterbox, layout);
  assert.equal(frames.length, 2);
  return frames[0];
}

for (const c of CASES) {
  test(`ffmpeg letterboxes ${c.name} exactly where letterboxPlacement says: pad rows and columns 114, content edge on the line`, {
    timeout: 60_000,
  }, async () => {
    const placement = letterboxPlacement(c.width, c.height, c.target);
    assert.deepEqual([placement.innerWidth, placement.innerHeight, placement.padLeft, placement.padTop], c.expect);
    const frame = await firstFrame(tmp.file(`${c.width}x${c.height}.mkv`), c.target);
    assert.deepEqual(
      [frame.width, frame.height, frame.pixelsWidth, frame.pixelsHeight],
      [c.width, c.height, c.target.width, c.target.height],
    );
    assert.deepEqual(frame.letterbox, placement);
    const check = checkLetterbox(frame.pixels, c.target, placement);
    assert.deepEqual([check.badPad, check.badContent], [0, 0], check.first);
  });
}

test('the planar layout is letterboxed the same way in each of its three planes', { timeout: 60_000 }, async () => {
  const c = CASES[2];
  const frame = await firstFrame(tmp.file(`${c.width}x${c.height}.mkv`), c.target, 'chw');
  assert.equal(frame.layout, 'chw');
  const check = checkLetterbox(frame.pixels, c.target, frame.letterbox!, 'chw');
  assert.deepEqual([check.badPad, check.badContent], [0, 0], check.first);
});

test('the check sees a picture one row off: a 1280x721 frame placed as if it were 1280x722 fails', { timeout: 60_000 }, async () => {
  // Guards the guard: the geometry of the neighbouring size must not pass the pixel scan.
  const frame = await firstFrame(tmp.file('1280x721.mkv'), SQUARE);
  const wrong = letterboxPlacement(1280, 722, SQUARE);
  const check = checkLetterbox(frame.pixels, SQUARE, wrong);
  assert.ok(check.badPad + check.badContent >= 640, `one row of 640 pixels differs (${check.badPad}, ${check.badContent})`);
});

test('a stream that changes resolution mid-way is letterboxed for each size; without a letterbox ffmpeg keeps the first size', {
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

  const boxed = await readAll(joined, SQUARE);
  assert.deepEqual(
    boxed.map((f) => `${f.width}x${f.height}`),
    [...Array(10).fill('320x240'), ...Array(10).fill('160x200')],
  );
  for (const f of [boxed[0], boxed[19]]) {
    const placement = letterboxPlacement(f.width, f.height, SQUARE);
    assert.deepEqual(f.letterbox, placement);
    const check = checkLetterbox(f.pixels, SQUARE, placement);
    assert.deepEqual([check.badPad, check.badContent], [0, 0], `${f.width}x${f.height}: ${check.first}`);
  }

  const plain = await readAll(joined);
  assert.equal(plain.length, 20);
  for (const f of plain) assert.deepEqual([f.width, f.height, f.pixelsWidth, f.pixels.length], [320, 240, 320, 320 * 240 * 3]);
});
