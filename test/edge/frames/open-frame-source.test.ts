import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { isSeamError } from '../../../src/contract/index.ts';
import { FfmpegSource } from '../../../src/edge/frames/ffmpeg-source.ts';
import { ImageSource } from '../../../src/edge/frames/image-source.ts';
import { openFrameSource } from '../../../src/edge/frames/open-frame-source.ts';
import { ffmpeg, makeVideo, tempDir } from './media.ts';

const tmp = tempDir('open-source');
before(() => {
  makeVideo(tmp.file('clip.mkv'), 'testsrc=size=64x48:rate=10', { frames: 3 });
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48', '-frames:v', '1', tmp.file('shot.JPG')]);
  mkdirSync(tmp.file('shots'));
  writeFileSync(tmp.file('shots/a.png'), '');
});
after(() => tmp.remove());

test('--source picks the implementation: stream URLs and video files go to ffmpeg, images and folders to sharp', {
  timeout: 30_000,
}, async () => {
  const cases: [string, string, boolean | undefined][] = [
    ['rtsp://admin:pw@10.1.2.3:554/stream1', 'ffmpeg', true],
    ['HTTP://127.0.0.1:8080/cam.ts', 'ffmpeg', true],
    ['udp://127.0.0.1:5000', 'ffmpeg', true],
    ['tcp://127.0.0.1:5000', 'ffmpeg', true],
    [tmp.file('clip.mkv'), 'ffmpeg', false],
    [`file://${tmp.file('clip.mkv')}`, 'ffmpeg', false],
    [tmp.file('shot.JPG'), 'image', undefined],
    [tmp.file('shots'), 'image', undefined],
  ];
  for (const [spec, kind, live] of cases) {
    const source = await openFrameSource(spec);
    assert.equal(source.kind, kind, spec);
    if (source instanceof FfmpegSource) assert.equal(source.live, live, spec);
    else assert.ok(source instanceof ImageSource);
  }
});

test('a video file opened by path decodes through ffmpeg with the options given, at its own size', {
  timeout: 30_000,
}, async () => {
  // No source resizes for the model: the detector letterboxes every frame.
  const source = await openFrameSource(tmp.file('clip.mkv'), { layout: 'chw' });
  const frames: { letterbox?: unknown; layout?: string; size: string; length: number }[] = [];
  await source.start(
    (f) =>
      void frames.push({ letterbox: f.letterbox, layout: f.layout, size: `${f.pixelsWidth}x${f.pixelsHeight}`, length: f.pixels.length }),
  );
  await source.done;
  assert.equal(frames.length, 3);
  assert.deepEqual(frames[0], { letterbox: undefined, layout: 'chw', size: '64x48', length: 64 * 48 * 3 });
});

test('a missing path and an unknown scheme are SEAM_ERR_CONFIG naming the source', { timeout: 30_000 }, async () => {
  const missing = tmp.file('no-such-clip.mp4');
  const expect = async (spec: string, message: RegExp) =>
    assert.rejects(openFrameSource(spec), (err: unknown) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_CONFIG'), String(err));
      assert.equal(err.field, 'source');
      assert.match(err.message, message);
      return true;
    });
  await expect(missing, new RegExp(`^source ${missing}: no such file or directory$`));
  await expect('gopher://cam/1', /^source gopher:\/\/\.\.\.: unknown scheme; streams are rtsp, /);
});

test('synthetic is the synthetic conveyor, paced at maxFps', { timeout: 30_000 }, async () => {
  const source = await openFrameSource('synthetic', { maxFps: 20 });
  assert.equal(source.kind, 'synthetic');
  const frames: { width: number; truth: number }[] = [];
  await source.start((f) => void frames.push({ width: f.width, truth: f.truth?.length ?? -1 }));
  await new Promise((r) => setTimeout(r, 400));
  await source.stop();
  assert.ok(frames.length >= 3 && frames.length <= 12, `${frames.length} frames in 0.4 s at 20 fps`);
  assert.ok(
    frames.every((f) => f.width === 1280 && f.truth > 0),
    'full-size frames with their ground truth',
  );
});
