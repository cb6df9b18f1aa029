import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shippedModel } from '../edge/detector/support.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;

function run(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`seamline ${args.join(' ')} did not finish in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('seamline detect --json prints one NDJSON line per frame: index, capture time, boxes in frame pixels', {
  timeout: 90_000,
}, async () => {
  const r = await run(['detect', '--model', shippedModel('seamline-conveyor.onnx'), '--source', 'synthetic', '--frames', '4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.frame),
    [0, 1, 2, 3],
  );
  for (const l of lines) {
    assert.ok(!Number.isNaN(Date.parse(l.captured_at)));
    assert.deepEqual([l.width, l.height], [1280, 720]);
    assert.ok(l.detections.length >= 3, 'parts and defects found');
    for (const d of l.detections) {
      assert.equal(typeof d.class, 'string');
      assert.ok(d.confidence > 0.25 && d.confidence <= 1);
      assert.ok(d.bbox[0] >= 0 && d.bbox[0] + d.bbox[2] <= 1280 && d.bbox[1] >= 0 && d.bbox[1] + d.bbox[3] <= 720);
    }
  }
  assert.match(r.stderr, /4 frames, \d+ boxes/);
});

test('seamline detect --classes keeps only the classes asked for', { timeout: 90_000 }, async () => {
  const r = await run([
    'detect',
    '--model',
    shippedModel('seamline-conveyor.onnx'),
    '--source',
    'synthetic',
    '--frames',
    '3',
    '--json',
    '--classes',
    'part',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const classes = new Set(
    r.stdout
      .trim()
      .split('\n')
      .flatMap((l) => JSON.parse(l).detections.map((d: { class: string }) => d.class)),
  );
  assert.deepEqual([...classes], ['part']);
});

const dir = mkdtempSync(join(tmpdir(), 'seamline-detect-'));
const garbage = join(dir, 'garbage.onnx');
writeFileSync(garbage, 'not a model at all\n'.repeat(10));

for (const [what, model, pattern] of [
  ['a missing model', join(dir, 'missing.onnx'), /^seamline: SEAM_ERR_MODEL: model \S+missing\.onnx does not exist\n$/],
  ['a file that is not a model', garbage, /^seamline: SEAM_ERR_MODEL: model \S+garbage\.onnx is not an ONNX model/],
  [
    'an unsupported output shape',
    shippedModel('layout-unsupported.onnx'),
    /^seamline: SEAM_ERR_MODEL: .*shape \[1, 3, 8, 8\].*supported: /,
  ],
] as const) {
  test(`seamline detect with ${what} prints one coded line naming it and exits 2`, { timeout: 60_000 }, async () => {
    const r = await run(['detect', '--model', model, '--source', 'synthetic', '--frames', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
  });
}
