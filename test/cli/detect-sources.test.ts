import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { TruthBox } from '../../src/edge/frames/frame-source.ts';
import { SyntheticSource } from '../../src/edge/frames/synthetic-source.ts';
import { scoreFrame } from '../../src/proof/bench/detection-score.ts';
import { shippedModel } from '../edge/detector/support.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'seamline-detect-sources-'));
const MODEL = shippedModel('seamline-conveyor.onnx');

function detect(source: string): Promise<{
  code: number | null;
  lines: { frame: number; captured_at: string; detections: { class_id: number; bbox: number[] }[] }[];
  stderr: string;
}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'detect', '--model', MODEL, '--source', source, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) =>
      resolve({
        code,
        stderr,
        lines:
          out.trim() === ''
            ? []
            : out
                .trim()
                .split('\n')
                .map((l) => JSON.parse(l)),
      }),
    );
  });
}

function precisionRecall(truths: TruthBox[][], found: { class_id: number; bbox: number[] }[][]): { precision: number; recall: number } {
  let [tp, fp, fn] = [0, 0, 0];
  truths.forEach((t, i) => {
    const s = scoreFrame(t, found[i] ?? []);
    tp += s.tp;
    fp += s.fp;
    fn += s.fn;
  });
  return { precision: tp / (tp + fp), recall: tp / (tp + fn) };
}

test('seamline detect on a PNG of a synthetic frame (decoded by sharp at its own size, letterboxed by the detector) finds what was drawn', {
  timeout: 90_000,
}, async () => {
  const frame = new SyntheticSource({ seed: 5 }).render(30);
  const png = join(dir, 'frame.png');
  await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .png()
    .toFile(png);
  const r = await detect(png);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.lines.length, 1);
  const { precision, recall } = precisionRecall([frame.truth!], [r.lines[0].detections]);
  assert.ok(frame.truth!.length >= 3);
  assert.ok(
    precision >= 0.9 && recall >= 0.9,
    `precision ${precision}, recall ${recall}: ${JSON.stringify(r.lines[0].detections)} vs ${JSON.stringify(frame.truth)}`,
  );
});

test('seamline detect on a lossless video of synthetic frames (decoded by ffmpeg at their own size, letterboxed by the detector) finds what was drawn, frame by frame', {
  timeout: 120_000,
}, async () => {
  const src = new SyntheticSource({ seed: 6 });
  const frames = Array.from({ length: 8 }, (_, i) => src.render(i * 5));
  const raw = join(dir, 'frames.rgb');
  writeFileSync(raw, Buffer.concat(frames.map((f) => f.pixels)));
  const video = join(dir, 'conveyor.mkv');
  const enc = spawnSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    '1280x720',
    '-r',
    '5',
    '-i',
    raw,
    '-c:v',
    'ffv1',
    '-pix_fmt',
    'bgr0',
    '-y',
    video,
  ]);
  assert.equal(enc.status, 0, enc.stderr.toString());
  const r = await detect(video);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.lines.map((l) => l.frame),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  const steps = r.lines.slice(1).map((l, i) => Date.parse(l.captured_at) - Date.parse(r.lines[i].captured_at));
  assert.deepEqual(steps, new Array(7).fill(200), 'captured_at steps of 1/fps');
  const { precision, recall } = precisionRecall(
    frames.map((f) => f.truth!),
    r.lines.map((l) => l.detections),
  );
  assert.ok(precision >= 0.9 && recall >= 0.9, `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
});
