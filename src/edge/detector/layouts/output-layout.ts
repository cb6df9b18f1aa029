import type { DeclaredShape } from '../model/onnx-model.ts';
import type { Candidates, DecodeOptions } from './candidates.ts';

/** What the model file says beyond the output shape, used to tell layouts apart. */
export interface LayoutHint {
  /** Number of classes, when the names are known (metadata or --labels). */
  nc?: number;
  /** Ultralytics metadata says NMS is inside the model (`end2end: True`, or `nms: True` in `args`). */
  endToEnd?: boolean;
}

/**
 * One way a detection model lays out its output tensor. Each implementation is one file in this folder,
 * registered by name in index.ts; the detector picks the one whose `match` accepts the output shape.
 */
export interface OutputLayout {
  readonly name: string;
  /** The shape it reads, for error messages and docs, e.g. "[1, 4+nc, N] (YOLOv8, YOLO11)". */
  readonly describes: string;
  /** True when the model already ran NMS (end-to-end exports), so the detector must not run it again. */
  readonly hasNms: boolean;
  /** The class count this layout would read from an output of this declared shape, or undefined if not its shape. */
  match(shape: DeclaredShape, hint: LayoutHint): { nc: number | undefined } | undefined;
  /** Appends the boxes of one output tensor `[1, d1, d2]` that pass `options` to `out` (model-input pixels, corners). */
  decode(data: Float32Array, dims: readonly number[], options: DecodeOptions, out: Candidates): void;
}

/** A fixed dimension's size, or undefined for a symbolic one ("anchors", "batch"). */
export function fixed(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/** Batch dimension of 1 (or symbolic, exported with dynamic=True) and rank 3. */
export function isBatchOfOne(shape: DeclaredShape): boolean {
  return shape.length === 3 && (shape[0] === 1 || typeof shape[0] === 'string');
}
