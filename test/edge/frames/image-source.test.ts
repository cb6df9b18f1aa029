import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { isSeamError } from '../../../src/contract/index.ts';
import { Preprocessor } from '../../../src/edge/detector/preprocess.ts';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';
import type { Frame, LetterboxRequest } from '../../../src/edge/frames/frame-source.ts';
import { ImageSource, type ImageSourceOptions } from '../../../src/edge/frames/image-source.ts';
import { checkLetterbox, ffmpeg, rgbAt, tempDir, tensorBytes } from './media.ts';

const tmp = tempDir('images');
const folder = tmp.file('folder');
const MTIME = new Date('2025-03-04T05:06:07.000Z');

/** One image from a lavfi graph, written by ffmpeg's PNG or JPEG encoder. */
function image(path: string, lavfi: string): string {
  ffmpeg(['-f', 'lavfi', '-i', lavfi, '-frames:v', '1', ...(path.endsWith('.png') ? [] : ['-q:v', '2']), path]);
  return path;
}

before(() => {
  image(tmp.file('red.png'), 'color=c=0xff0000:size=64x48,format=rgb24');
  image(tmp.file('photo.jpg'), 'testsrc=size=320x240');
  image(tmp.file('grey.png'), 'color=c=0x808080:size=20x10,format=gray');
  image(tmp.file('alpha.png'), 'color=c=0x00ff00@0.5:size=16x16,format=rgba');
  for (const [w, h] of [
    [480, 854],
    [1280, 721],
    [300, 300],
  ])
    image(tmp.file(`white-${w}x${h}.png`), `color=c=white:size=${w}x${h},format=rgb24`);
  writeFileSync(tmp.file('corrupt.jpg'), Buffer.from('not a jpeg at all'));
  mkdirSync(folder);
  // Names that sort wrongly as plain strings: 2 must come before 10.
  for (const [name, src] of [
    ['frame-2.png', 'red.png'],
    ['frame-10.jpg', 'photo.jpg'],
    ['frame-1.png', 'grey.png'],
  ])
    copyFileSync(tmp.file(src), `${folder}/${name}`);
  writeFileSync(`${folder}/frame-3.png`, Buffer.from('\x89PNG\r\n\x1a\n truncated'));
  writeFileSync(`${folder}/notes.txt`, 'not an image, not counted');
  utimesSync(tmp.file('red.png'), MTIME, MTIME);
});
after(() => tmp.remove());

async function readAll(options: ImageSourceOptions): Promise<{ frames: Frame[]; source: ImageSource }> {
  const source = new ImageSource(options);
  const frames: Frame[] = [];
  await source.start((f) => void frames.push(f));
  await source.done;
  return { frames, source };
}

test('a PNG decodes to exact RGB, its size, and its modification time as captured_at', { timeout: 30_000 }, async () => {
  const { frames, source } = await readAll({ path: tmp.file('red.png') });
  assert.equal(frames.length, 1);
  const f = frames[0];
  assert.deepEqual([f.index, f.width, f.height, f.pixelsWidth, f.pixelsHeight, f.pixels.length], [0, 64, 48, 64, 48, 64 * 48 * 3]);
  assert.deepEqual(rgbAt(f.pixels, 64, 63, 47), [255, 0, 0]);
  assert.equal(f.capturedAt, MTIME.getTime());
  assert.deepEqual(source.stats(), { framesRead: 1, restarts: 0, unreadable: 0, lastError: undefined });
});

test('grey and alpha PNGs become three-channel RGB', { timeout: 30_000 }, async () => {
  const grey = (await readAll({ path: tmp.file('grey.png') })).frames[0];
  // ffmpeg writes 0x808080 as grey level 126 (its RGB-to-luma); each channel must carry that one value.
  assert.deepEqual([grey.pixels.length, ...rgbAt(grey.pixels, 20, 5, 5)], [20 * 10 * 3, 126, 126, 126]);
  const alpha = (await readAll({ path: tmp.file('alpha.png') })).frames[0];
  assert.deepEqual([alpha.pixels.length, ...rgbAt(alpha.pixels, 16, 3, 3)], [16 * 16 * 3, 0, 255, 0]);
});

for (const [w, h] of [
  [480, 854],
  [1280, 721],
  [300, 300],
]) {
  test(`a ${w}x${h} image arrives at its own size and the detector letterboxes it exactly where letterboxPlacement says`, {
    timeout: 30_000,
  }, async () => {
    const target: LetterboxRequest = w === 300 ? { width: 640, height: 384 } : { width: 640, height: 640 };
    const f = (await readAll({ path: tmp.file(`white-${w}x${h}.png`) })).frames[0];
    assert.deepEqual([f.width, f.height, f.pixelsWidth, f.pixelsHeight, f.letterbox], [w, h, w, h, undefined]);
    const pre = new Preprocessor(target);
    const placement = letterboxPlacement(w, h, target);
    assert.deepEqual(pre.run(f), placement);
    const check = checkLetterbox(tensorBytes(pre.tensor), target, placement, 'chw');
    assert.deepEqual([check.badPad, check.badContent], [0, 0], check.first);
  });
}

test('a folder is read in numeric name order; a corrupt image in it is skipped, counted and logged, the rest still run', {
  timeout: 30_000,
}, async () => {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) });
  const { frames, source } = await readAll({ path: folder, logger });
  assert.deepEqual(
    frames.map((f) => [f.index, f.width, f.height]),
    [
      [0, 20, 10],
      [1, 64, 48],
      [2, 320, 240],
    ],
  );
  const stats = source.stats();
  assert.equal(stats.framesRead, 3);
  assert.equal(stats.unreadable, 1);
  assert.match(stats.lastError!, /frame-3\.png/);
  const warned = logs.filter((r) => r.code === 'SEAM_ERR_SOURCE_UNREADABLE');
  assert.equal(warned.length, 1);
  assert.match(String(warned[0].file), /frame-3\.png$/);
});

test('fps paces a folder: three images at 10 a second take at least 200 ms', { timeout: 30_000 }, async () => {
  const started = Date.now();
  const { frames } = await readAll({ path: folder, fps: 10 });
  assert.equal(frames.length, 3);
  assert.ok(Date.now() - started >= 200, `took ${Date.now() - started} ms`);
});

test("a corrupt image fails start() with SEAM_ERR_SOURCE_UNREADABLE naming the file and the decoder's reason", {
  timeout: 30_000,
}, async () => {
  const source = new ImageSource({ path: tmp.file('corrupt.jpg') });
  await assert.rejects(
    source.start(() => {}),
    (err: unknown) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_SOURCE_UNREADABLE'), String(err));
      assert.match(
        err.message,
        new RegExp(`^source ${tmp.file('corrupt.jpg')}: .*(unsupported image format|corrupt|not a known file format)`, 'i'),
      );
      return true;
    },
  );
});

test('a missing image or folder fails start() with SEAM_ERR_CONFIG naming it', { timeout: 30_000 }, async () => {
  const missing = tmp.file('nowhere/frames');
  await assert.rejects(
    new ImageSource({ path: missing }).start(() => {}),
    (err: unknown) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_CONFIG'), String(err));
      assert.equal(err.message, `source ${missing}: no such file or directory`);
      return true;
    },
  );
  const empty = tmp.file('empty');
  mkdirSync(empty);
  await assert.rejects(
    new ImageSource({ path: empty }).start(() => {}),
    /holds no \.jpg\/\.jpeg\/\.png\/\.webp files/,
  );
});

test('stop() ends a folder part way: no frame is delivered after it resolves', { timeout: 30_000 }, async () => {
  const source = new ImageSource({ path: folder, fps: 2 });
  let frames = 0;
  await source.start(() => void frames++);
  await source.stop();
  const seen = frames;
  await new Promise((r) => setTimeout(r, 1_200));
  assert.equal(frames, seen);
  assert.ok(seen < 3);
  await source.done;
});
