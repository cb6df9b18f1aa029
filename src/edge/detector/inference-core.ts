import * as ort from 'onnxruntime-node';
import { SeamError, type Detection } from '../../contract/index.ts';
import type { Frame, LetterboxPlacement } from '../frames/frame-source.ts';
import type { DetectorOptions } from './detector.ts';
import { describeModel, type ModelInfo } from './model-info.ts';
import { DEFAULT_THRESHOLDS, Postprocessor, type ThresholdOptions } from './postprocess.ts';
import { fromHalf, toHalf } from './float16.ts';
import { Preprocessor } from './preprocess.ts';

/** Resolves `--classes` (names or ids) against the model's names; an unknown class is a SEAM_ERR_CONFIG. */
export function classFilter(info: ModelInfo, classes: (string | number)[] | undefined): Set<number> | undefined {
  if (!classes || classes.length === 0) return undefined;
  const ids = new Set<number>();
  for (const c of classes) {
    const asNumber = typeof c === 'number' ? c : /^\d+$/.test(c.trim()) ? Number(c) : undefined;
    const id = asNumber ?? info.names.indexOf(String(c).trim().toLowerCase());
    if (!Number.isInteger(id) || id < 0 || id >= info.nc) {
      throw new SeamError('SEAM_ERR_CONFIG', `classes: "${c}" is not a class of model ${info.path} (it has ${info.names.join(', ')})`, {
        field: 'classes',
      });
    }
    ids.add(id);
  }
  return ids;
}

export function thresholds(info: ModelInfo, o: DetectorOptions): ThresholdOptions {
  const t = {
    conf: o.conf ?? DEFAULT_THRESHOLDS.conf,
    iou: o.iou ?? DEFAULT_THRESHOLDS.iou,
    maxDet: o.maxDet ?? DEFAULT_THRESHOLDS.maxDet,
  };
  for (const [field, v, lo, hi] of [
    ['conf', t.conf, 0, 1],
    ['iou', t.iou, 0, 1],
    ['maxDet', t.maxDet, 1, 1000],
  ] as const) {
    if (!(typeof v === 'number' && v >= lo && v <= hi))
      throw new SeamError('SEAM_ERR_CONFIG', `${field} must be a number ${lo}..${hi}`, { field });
  }
  return { ...t, classes: classFilter(info, o.classes) };
}

export interface CoreResult {
  detections: Detection[];
  placement: LetterboxPlacement;
  inferredAt: number;
  modelMs: number;
  prepostMs: number;
}

/**
 * One model loaded into onnxruntime, with its pre- and post-processing: frame in, boxes in frame pixels out.
 * It runs on whatever thread calls it, which is why the detector puts it in a worker (detector-worker.ts);
 * the bench also runs it in-process to time the parts.
 */
export class InferenceCore {
  private constructor(
    readonly info: ModelInfo,
    private readonly session: ort.InferenceSession,
    private readonly pre: Preprocessor,
    readonly post: Postprocessor,
    private readonly inputTensor: ort.Tensor,
    /** The input as half bit patterns, for a float16 model: filled from the preprocessor's floats each frame. */
    private readonly halfInput: Uint16Array | undefined,
  ) {}

  /** A float16 model's output, read into floats here (reused across frames). */
  private halfOutput = new Float32Array(0);

  static async load(options: DetectorOptions): Promise<InferenceCore> {
    const info = describeModel(options.model, { labelsPath: options.labels });
    const t = thresholds(info, options);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(options.model, {
        executionProviders: (options.providers ?? ['cpu']) as ort.InferenceSession.ExecutionProviderConfig[],
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (cause) {
      throw new SeamError('SEAM_ERR_MODEL', `model ${options.model} cannot be loaded by onnxruntime: ${(cause as Error).message}`, {
        field: 'model',
        cause,
      });
    }
    const pre = new Preprocessor(info.input);
    const dims = [1, 3, info.input.height, info.input.width];
    const half = info.input.type === 'float16' ? new Uint16Array(pre.tensor.length) : undefined;
    const tensor = half ? new ort.Tensor('float16', half, dims) : new ort.Tensor('float32', pre.tensor, dims);
    const core = new InferenceCore(info, session, pre, new Postprocessor(info.layout, info.names, t), tensor, half);
    // One run at load: onnxruntime allocates on the first run, which should not count against a frame.
    await core.runModel();
    return core;
  }

  async runModel(): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const out = await this.session.run({ [this.info.input.name]: this.inputTensor });
    const t = out[this.info.output.name];
    if (t.type === 'float16') {
      const bits = t.data as Uint16Array;
      if (this.halfOutput.length !== bits.length) this.halfOutput = new Float32Array(bits.length);
      return { data: fromHalf(bits, this.halfOutput), dims: t.dims };
    }
    if (t.type !== 'float32') {
      const message = `model ${this.info.path} output "${this.info.output.name}" is ${t.type}; float32 or float16 expected`;
      throw new SeamError('SEAM_ERR_MODEL', message, { field: 'model' });
    }
    return { data: t.data as Float32Array, dims: t.dims };
  }

  async run(
    frame: Pick<Frame, 'width' | 'height' | 'pixels' | 'pixelsWidth' | 'pixelsHeight' | 'letterbox' | 'layout'>,
  ): Promise<CoreResult> {
    const t0 = performance.now();
    const placement = this.pre.run(frame);
    if (this.halfInput) toHalf(this.pre.tensor, this.halfInput);
    const t1 = performance.now();
    const { data, dims } = await this.runModel();
    const t2 = performance.now();
    const detections = this.post.run(data, dims, placement, frame);
    const inferredAt = Date.now();
    const t3 = performance.now();
    return { detections, placement, inferredAt, modelMs: t2 - t1, prepostMs: t1 - t0 + (t3 - t2) };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
