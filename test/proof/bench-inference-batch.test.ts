import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { BUNDLED_MODEL } from '../../src/edge/detector/model/bundled-model.ts';
import { Preprocessor } from '../../src/edge/detector/preprocess.ts';
import { SyntheticSource } from '../../src/edge/frames/synthetic-source.ts';
import { type BatchRow, batchLines, batchVariant, runBatchBench } from '../../src/proof/bench/inference/batch-bench.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;

test('bench inference --batch: per batch size, model ms per frame single and batched and the gain, each a measured number', {
  timeout: 120_000,
}, async () => {
  const lines: string[] = [];
  const rows = await runBatchBench({ model: BUNDLED_MODEL, sizes: [1, 2, 3], threads: 1, rounds: 3, progress: (l) => lines.push(l) });
  assert.equal(lines.length, 3, 'one progress line per size');
  assert.deepEqual(
    rows.map((r) => r.n),
    [1, 2, 3],
  );
  for (const r of rows) {
    assert.deepEqual(Object.keys(r), ['n', 'ms_per_frame_single', 'ms_per_frame_batched', 'gain']);
    // The conveyor model takes milliseconds a frame here; a figure of 0 or a second would be no measurement.
    for (const ms of [r.ms_per_frame_single, r.ms_per_frame_batched])
      assert.ok(Number.isFinite(ms) && ms > 0.5 && ms < 1000, `n=${r.n}: ${ms} ms`);
    assert.ok(Number.isFinite(r.gain) && r.gain < 1 && r.gain > -5, `n=${r.n}: gain ${r.gain}`);
  }
  const table = batchLines(rows);
  for (const r of rows)
    assert.ok(
      table.some((l) => l.trim().startsWith(`n=${r.n} `)),
      `n=${r.n} has a row`,
    );
});

test('bench inference --batch: the batch-N variant is the same model: each frame of a batch gets the output it gets alone', {
  timeout: 60_000,
}, async () => {
  const bytes = readFileSync(BUNDLED_MODEL);
  const options = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
  const single = await ort.InferenceSession.create(bytes, options);
  const batched = await ort.InferenceSession.create(batchVariant(bytes, 3), options);
  try {
    const src = new SyntheticSource();
    const pre = new Preprocessor({ width: 640, height: 640 });
    const frames = [0, 5, 11].map((i) => {
      pre.run(src.render(i));
      return Float32Array.from(pre.tensor);
    });
    const all = new Float32Array(frames.length * frames[0].length);
    frames.forEach((f, i) => all.set(f, i * f.length));
    const name = single.inputNames[0];
    const out = (await batched.run({ [name]: new ort.Tensor('float32', all, [3, 3, 640, 640]) }))[batched.outputNames[0]];
    assert.deepEqual(out.dims, [3, 10, 6400]);
    const per = (out.data as Float32Array).length / 3;
    for (const [i, f] of frames.entries()) {
      const alone = (await single.run({ [name]: new ort.Tensor('float32', f, [1, 3, 640, 640]) }))[single.outputNames[0]]
        .data as Float32Array;
      const mine = (out.data as Float32Array).subarray(i * per, (i + 1) * per);
      let worst = 0;
      for (let k = 0; k < per; k++) worst = Math.max(worst, Math.abs(mine[k] - alone[k]));
      assert.ok(worst < 1e-3, `frame ${i}: largest difference ${worst}`);
      assert.ok(
        alone.some((v, k) => k >= 4 * 6400 && v > 0.5),
        `frame ${i} has a detection to compare`,
      );
    }
    // A variant of a variant is refused: it is no longer batch 1.
    assert.throws(() => batchVariant(batchVariant(bytes, 2), 4), /not batch 1/);
  } finally {
    await single.release();
    await batched.release();
  }
});

test('seamline bench inference --batch 1,2: a row per size under the table and batch in the JSON line; --batch 0 refused', {
  timeout: 240_000,
}, async () => {
  const refused = spawnSync(process.execPath, [BIN, 'bench', 'inference', '--batch', '0,2'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /SEAM_ERR_CONFIG: --batch \[0,2\] is invalid/);

  const args = [BIN, 'bench', 'inference', '--json', '--seconds', '1', '--no-realistic', '--batch', '1,2'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let [out, err] = ['', ''];
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, err.slice(-2000));
  const lines = out.trim().split('\n');
  const result = JSON.parse(lines.at(-1)!) as { batch: BatchRow[] };
  assert.deepEqual(
    result.batch.map((r) => r.n),
    [1, 2],
  );
  for (const r of result.batch)
    assert.ok(r.ms_per_frame_single > 0 && r.ms_per_frame_batched > 0 && Number.isFinite(r.gain), JSON.stringify(r));
  // The rows under the table, and not the array as one JSON cell of it.
  assert.ok(
    lines.some((l) => l.startsWith('batch (model ms per frame')),
    out,
  );
  for (const r of result.batch) assert.ok(lines.includes(batchLines([r])[1]), `the row of n=${r.n}`);
  assert.ok(!lines.slice(0, -1).some((l) => /^\s+batch\s+\[/.test(l)), 'no batch cell in the table');
});
