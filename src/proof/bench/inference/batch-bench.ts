/**
 * `seamline bench inference --batch 1,2,4,8`: does one model run over N cameras' frames (a batch-N input) cost
 * less per frame than N runs of one frame? The bundled conveyor model is batch 1; its batch-N variant is the
 * same graph with the batch dimension of its input, its output and its final Reshape set to N, written into a
 * temp directory (never into models/). Both run in this process through onnxruntime-node with the session
 * options the detector uses, on the same letterboxed synthetic frames; single and batched alternate round by
 * round, so a machine that slows down or speeds up in the middle weighs on both alike.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxTypes } from '../../../edge/detector/model/onnx-model.ts';
import { Preprocessor } from '../../../edge/detector/preprocess.ts';
import { SyntheticSource } from '../../../edge/frames/synthetic-source.ts';
import { round } from './cameras-bench.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

/** One batch size: model milliseconds per frame, N runs of one frame against one run of N. */
export interface BatchRow {
  n: number;
  ms_per_frame_single: number;
  ms_per_frame_batched: number;
  /**
   * The share of the per-frame model time batching saves, 1 - batched / single, as the median over the rounds of
   * each round's own pair (0.15 is 15% cheaper; below 0, dearer).
   */
  gain: number;
}

export interface BatchBenchOptions {
  /** The batch-1 model whose batch-N variants are timed (the bundled conveyor model). */
  model: string;
  sizes: number[];
  threads: number;
  /** Timed rounds per size, after two of warm-up; each round is N single runs and one batched run. */
  rounds?: number;
  progress?: (line: string) => void;
}

interface RawModel {
  graph: {
    input: { name: string; type: { tensorType: { shape: { dim: { dimValue?: number }[] } } } }[];
    output: { type: { tensorType: { shape: { dim: { dimValue?: number }[] } } } }[];
    node: { opType: string; input: string[] }[];
    initializer: { name: string; rawData: Uint8Array }[];
  };
  metadataProps: { key: string; value: string }[];
}

/**
 * The model with batch N: the first dimension of its input and output, and the leading 1 of each Reshape's
 * constant shape, set to N. For graphs like the conveyor model, whose other constants broadcast over the batch.
 */
export function batchVariant(model: Buffer, n: number): Buffer {
  const { Model } = onnxTypes();
  const m = Model.toObject(Model.decode(model), { longs: Number }) as RawModel;
  const setBatch = (v: { type: { tensorType: { shape: { dim: { dimValue?: number }[] } } } }) => {
    const dim = v.type.tensorType.shape.dim;
    if (dim[0]?.dimValue === undefined || Number(dim[0].dimValue) !== 1) throw new Error('batchVariant: the model is not batch 1');
    dim[0] = { dimValue: n };
  };
  for (const v of [...m.graph.input, ...m.graph.output]) setBatch(v);
  let reshaped = 0;
  for (const node of m.graph.node.filter((x) => x.opType === 'Reshape')) {
    const init = m.graph.initializer.find((t) => t.name === node.input[1]);
    if (!init) continue;
    const shape = new BigInt64Array(Uint8Array.from(init.rawData).buffer);
    if (shape[0] !== 1n) continue;
    shape[0] = BigInt(n);
    init.rawData = new Uint8Array(shape.buffer);
    reshaped++;
  }
  if (reshaped === 0) throw new Error('batchVariant: no Reshape with a constant batch-1 shape (another graph needs its own variant)');
  for (const p of m.metadataProps) if (p.key === 'batch') p.value = String(n);
  return Buffer.from(Model.encode(Model.fromObject(m)).finish());
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A session with the detector's options (inference-core.ts): CPU, `threads` intra-op, sequential. */
const session = (path: string, threads: number) =>
  ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });

/** N synthetic conveyor frames letterboxed into the model's input, one after the other (a batch-N input). */
function frames(n: number, side: number): Float32Array {
  const src = new SyntheticSource();
  const pre = new Preprocessor({ width: side, height: side });
  const all = new Float32Array(n * pre.tensor.length);
  for (let i = 0; i < n; i++) {
    pre.run(src.render(i * 3));
    all.set(pre.tensor, i * pre.tensor.length);
  }
  return all;
}

async function timeSize(single: ort.InferenceSession, path: string, n: number, o: BatchBenchOptions): Promise<BatchRow> {
  const batched = await session(path, o.threads);
  const [inputName] = single.inputNames;
  const data = frames(n, 640);
  const one = data.length / n;
  const singles = Array.from({ length: n }, (_, i) => new ort.Tensor('float32', data.subarray(i * one, (i + 1) * one), [1, 3, 640, 640]));
  const all = new ort.Tensor('float32', data, [n, 3, 640, 640]);
  const perFrame = { single: [] as number[], batched: [] as number[] };
  try {
    const rounds = o.rounds ?? 15;
    const timed = async (run: () => Promise<unknown>) => {
      const t0 = performance.now();
      await run();
      return (performance.now() - t0) / n;
    };
    const runSingles = async () => {
      for (const t of singles) await single.run({ [inputName]: t });
    };
    for (let r = 0; r < rounds + 2; r++) {
      // Which goes first alternates, so neither always runs on caches the other warmed.
      const first = r % 2 === 0;
      const a = first ? await timed(runSingles) : undefined;
      const b = await timed(() => batched.run({ [inputName]: all }));
      const s = a ?? (await timed(runSingles));
      if (r < 2) continue; // warm-up: onnxruntime allocates on the first runs
      perFrame.single.push(s);
      perFrame.batched.push(b);
    }
  } finally {
    await batched.release();
  }
  const [s, b] = [median(perFrame.single), median(perFrame.batched)];
  // The gain of each round against its own single runs, then the median: a load that comes and goes between
  // rounds cancels out of each pair.
  const gain = 1 - median(perFrame.batched.map((x, i) => x / perFrame.single[i]));
  return { n, ms_per_frame_single: round(s, 2), ms_per_frame_batched: round(b, 2), gain: round(gain, 3) };
}

/** Each batch size in turn, its variant generated into a temp directory that is removed afterwards. */
export async function runBatchBench(o: BatchBenchOptions): Promise<BatchRow[]> {
  const log = o.progress ?? (() => {});
  const dir = scratchDir('seamline-batch-');
  const single = await session(o.model, o.threads);
  const rows: BatchRow[] = [];
  try {
    const bytes = readFileSync(o.model);
    for (const n of o.sizes) {
      log(`batch ${n}: ${n} runs of one frame against one run of ${n} frames, ${o.rounds ?? 15} rounds, ${o.threads} thread(s)`);
      const path = join(dir, `batch-${n}.onnx`);
      writeFileSync(path, n === 1 ? bytes : batchVariant(bytes, n));
      rows.push(await timeSize(single, path, n, o));
    }
  } finally {
    await single.release();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The rows under the bench's table. */
export function batchLines(rows: BatchRow[]): string[] {
  return [
    'batch (model ms per frame: N runs of one frame | one run of N frames | gain)',
    ...rows.map((r) => `  n=${String(r.n).padEnd(3)} ${r.ms_per_frame_single} | ${r.ms_per_frame_batched} | ${r.gain}`),
  ];
}
