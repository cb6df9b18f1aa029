// `seamline detect` says which preprocessing ran, on every source kind: each NDJSON line carries it, and so
// does the summary on stderr. Every source now delivers frames at their own size to the same letterbox.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { PREPROCESS } from '../../src/edge/detector/preprocess.ts';
import { SyntheticSource } from '../../src/edge/frames/synthetic-source.ts';
import { shippedModel } from '../edge/detector/support.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'seamline-detect-preprocess-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('seamline detect reports the letterbox that ran, for an image, a video and the synthetic scene', { timeout: 120_000 }, async () => {
  const frame = new SyntheticSource({ seed: 9 }).render(3);
  const png = join(dir, 'frame.png');
  await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .png()
    .toFile(png);
  const raw = join(dir, 'frame.rgb');
  writeFileSync(raw, frame.pixels);
  const video = join(dir, 'frame.mkv');
  const enc = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '1280x720'].concat([
      '-i',
      raw,
      '-c:v',
      'ffv1',
      '-pix_fmt',
      'bgr0',
      '-y',
      video,
    ]),
  );
  assert.equal(enc.status, 0, enc.stderr.toString());
  for (const source of [png, video, 'synthetic']) {
    const args = ['detect', '--model', shippedModel('seamline-conveyor.onnx'), '--source', source, '--frames', '1', '--json'];
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout.trim().split('\n')[0]);
    assert.deepEqual([line.width, line.height, line.preprocess], [1280, 720, 'letterbox: bilinear (cv2 INTER_LINEAR), pad 114'], source);
    assert.ok(line.detections.length >= 1, `${source}: boxes found`);
    assert.ok(r.stderr.includes(`preprocess: ${PREPROCESS}`), r.stderr);
  }
});
