import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { isSeamError } from '../../../src/contract/index.ts';
import { FfmpegSource, type FfmpegSourceOptions } from '../../../src/edge/frames/ffmpeg-source.ts';
import type { Frame } from '../../../src/edge/frames/frame-source.ts';
import { alive, makeVideo, rgbAt, tempDir } from './media.ts';

const tmp = tempDir('ffmpeg-file');
const media = {
  cfr25: tmp.file('cfr25.mp4'),
  ntsc: tmp.file('ntsc.mkv'),
  vfr: tmp.file('vfr.mkv'),
  red: tmp.file('red.mkv'),
  dated: tmp.file('dated.mp4'),
  corrupt: tmp.file('corrupt.mp4'),
};
// Presentation times (ms) the variable-rate file is written with: steps of 100, 250, 433 and 100 ms.
const VFR_MS = [0, 100, 200, 300, 400, 650, 750, 850, 1283, 1383];

before(() => {
  makeVideo(media.cfr25, 'testsrc=size=320x240:rate=25', { frames: 50, codec: 'libx264' });
  makeVideo(media.ntsc, 'testsrc=size=160x120:rate=30000/1001', { frames: 30 });
  const setpts = `setpts='(N*100+if(gte(N,5),150,0)+if(gte(N,8),333,0))/1000/TB'`;
  makeVideo(media.vfr, `testsrc=size=160x120:rate=10,settb=1/1000,${setpts}`, { frames: 10, extra: ['-fps_mode', 'vfr'] });
  makeVideo(media.red, 'color=c=0xff0000:size=64x48:rate=10', { frames: 3 });
  makeVideo(media.dated, 'testsrc=size=160x120:rate=10', {
    frames: 5,
    codec: 'libx264',
    extra: ['-metadata', 'creation_time=2024-05-01T10:00:00.000000Z'],
  });
  writeFileSync(media.corrupt, Buffer.from('this is not a video, whatever its name says\n'.repeat(50)));
});
after(() => tmp.remove());

/** Reads a whole file; each frame is paired with the wall clock at which the consumer got it. */
async function readAll(options: FfmpegSourceOptions): Promise<{ frames: Frame[]; seenAt: number[]; source: FfmpegSource }> {
  const source = new FfmpegSource(options);
  const frames: Frame[] = [];
  const seenAt: number[] = [];
  await source.start((f) => {
    frames.push(f);
    seenAt.push(Date.now());
  });
  await source.done;
  return { frames, seenAt, source };
}

const steps = (frames: Frame[]) => frames.slice(1).map((f, i) => f.capturedAt - frames[i].capturedAt);

test('a 25 fps file made by ffmpeg yields all 50 frames, captured_at 40 ms apart exactly and never after it was read', {
  timeout: 60_000,
}, async () => {
  const startedAt = Date.now();
  const { frames, seenAt, source } = await readAll({ input: media.cfr25 });
  assert.equal(frames.length, 50);
  assert.deepEqual(
    frames.map((f) => f.index),
    [...Array(50).keys()],
  );
  assert.deepEqual(new Set(steps(frames)), new Set([40]));
  frames.forEach((f, i) => assert.ok(f.capturedAt <= seenAt[i], `frame ${i} stamped after it was read`));
  // No creation_time in the file: the recording is taken to have ended as reading began (start minus 2 s).
  assert.ok(frames[0].capturedAt >= startedAt - 2000 && frames[0].capturedAt <= seenAt[0] - 2000, 'first frame 2 s before the read began');
  assert.ok(frames[49].capturedAt <= seenAt[0], 'the last frame stamped before the first was read');
  for (const f of frames) {
    assert.equal(f.pixels.length, 320 * 240 * 3);
    assert.deepEqual([f.width, f.height, f.pixelsWidth, f.pixelsHeight, f.letterbox, f.layout], [320, 240, 320, 240, undefined, undefined]);
  }
  assert.deepEqual(source.stats(), { framesRead: 50, restarts: 0, lastError: undefined });
});

test('a 29.97 fps file steps by 1001/30 ms, each stamp within a millisecond of its exact time', { timeout: 60_000 }, async () => {
  const { frames } = await readAll({ input: media.ntsc });
  assert.equal(frames.length, 30);
  frames.forEach((f, k) => {
    const exact = frames[0].capturedAt + (k * 1001) / 30;
    assert.ok(
      Math.abs(f.capturedAt - exact) <= 1,
      `frame ${k}: ${f.capturedAt - frames[0].capturedAt} ms vs ${exact - frames[0].capturedAt}`,
    );
  });
  assert.deepEqual([...new Set(steps(frames))].sort(), [33, 34]);
});

test('a variable-rate file keeps its own presentation times: steps of 100, 250 and 433 ms as written', { timeout: 60_000 }, async () => {
  const { frames } = await readAll({ input: media.vfr });
  assert.deepEqual(
    frames.map((f) => f.capturedAt - frames[0].capturedAt),
    VFR_MS,
  );
});

test('maxFps drops frames inside ffmpeg and keeps the kept frames on their own timestamps', { timeout: 60_000 }, async () => {
  const { frames } = await readAll({ input: media.cfr25, maxFps: 5 });
  assert.equal(frames.length, 10);
  assert.deepEqual(new Set(steps(frames)), new Set([200]));
});

test("the file's creation_time anchors captured_at, and startAt overrides it", { timeout: 60_000 }, async () => {
  const anchored = await readAll({ input: media.dated });
  assert.deepEqual(
    anchored.frames.map((f) => f.capturedAt - Date.parse('2024-05-01T10:00:00Z')),
    [0, 100, 200, 300, 400],
  );
  const given = await readAll({ input: media.dated, startAt: 1_700_000_000_000 });
  assert.deepEqual(
    given.frames.map((f) => f.capturedAt),
    [0, 100, 200, 300, 400].map((ms) => 1_700_000_000_000 + ms),
  );
});

test('pixels are RGB in that order, interleaved by default and as R, G, B planes with layout chw', { timeout: 60_000 }, async () => {
  const hwc = await readAll({ input: media.red });
  assert.equal(hwc.frames.length, 3);
  assert.deepEqual(rgbAt(hwc.frames[0].pixels, 64, 10, 10), [255, 0, 0]);
  const chw = await readAll({ input: media.red, layout: 'chw' });
  const f = chw.frames[0];
  const plane = 64 * 48;
  assert.equal(f.layout, 'chw');
  assert.equal(f.pixels.length, plane * 3);
  assert.ok(
    f.pixels.subarray(0, plane).every((v) => v === 255),
    'R plane first',
  );
  assert.ok(
    f.pixels.subarray(plane).every((v) => v === 0),
    'G and B planes empty',
  );
});

test('a consumer that takes its time gets every frame in order: the pipe waits, nothing is dropped', { timeout: 60_000 }, async () => {
  const source = new FfmpegSource({ input: media.cfr25 });
  const indices: number[] = [];
  await source.start(async (f) => {
    indices.push(f.index);
    await new Promise((r) => setTimeout(r, 10));
  });
  await source.done;
  assert.deepEqual(indices, [...Array(50).keys()]);
});

test("a file that is not a video fails start() with SEAM_ERR_SOURCE_UNREADABLE naming the file and ffmpeg's reason", {
  timeout: 30_000,
}, async () => {
  const source = new FfmpegSource({ input: media.corrupt });
  await assert.rejects(
    source.start(() => {}),
    (err: unknown) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_SOURCE_UNREADABLE'), String(err));
      assert.equal(err.kind, 'fatal');
      assert.match(err.message, new RegExp(`source ${media.corrupt}: .*(moov atom not found|Invalid data found)`));
      return true;
    },
  );
  assert.equal(source.pid, undefined);
});

test('a missing ffmpeg binary fails start() with SEAM_ERR_CONFIG naming it', { timeout: 30_000 }, async () => {
  const source = new FfmpegSource({ input: media.cfr25, ffmpegPath: '/nonexistent/bin/ffmpeg' });
  await assert.rejects(
    source.start(() => {}),
    (err: unknown) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_CONFIG'), String(err));
      assert.match(err.message, /ffmpeg \/nonexistent\/bin\/ffmpeg: not found/);
      return true;
    },
  );
});

test('stop() in the middle of a file ends ffmpeg (its pid is gone) and no frame follows', { timeout: 30_000 }, async () => {
  const source = new FfmpegSource({ input: media.cfr25, realtime: true });
  let frames = 0;
  await source.start(() => void frames++);
  const pid = source.pid;
  assert.ok(pid !== undefined && alive(pid), 'ffmpeg runs while frames come');
  await source.stop();
  const seen = frames;
  assert.ok(seen > 0 && seen < 50, `stopped part way (${seen} frames)`);
  assert.equal(alive(pid), false, `ffmpeg ${pid} still alive after stop()`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(frames, seen);
  await source.done;
});
