import type { Detection } from '../../contract/index.ts';
import type { LetterboxPlacement } from '../frames/frame-source.ts';
import { Candidates } from './layouts/candidates.ts';
import type { OutputLayout } from './layouts/index.ts';
import { mapToFrame } from './map-boxes.ts';
import { nms } from './nms.ts';

export interface ThresholdOptions {
  /** Minimum score (default 0.25, as Ultralytics). */
  conf: number;
  /** NMS IoU threshold (default 0.45; Ultralytics' predict default is 0.7, its val and YOLOv5 use 0.45-0.6). */
  iou: number;
  /** Most boxes per frame (default 300). */
  maxDet: number;
  /** Class ids to keep (--classes); all when undefined. */
  classes?: ReadonlySet<number>;
}

export const DEFAULT_THRESHOLDS: ThresholdOptions = { conf: 0.25, iou: 0.45, maxDet: 300 };

/**
 * From a model's output tensor to detection.v1 boxes in frame pixels: the layout decodes and applies the
 * confidence threshold and class filter, NMS runs where the model has none, and the kept boxes are mapped
 * back through the letterbox and clipped.
 */
export class Postprocessor {
  private readonly candidates = new Candidates();

  constructor(
    readonly layout: OutputLayout,
    readonly names: readonly string[],
    readonly thresholds: ThresholdOptions,
  ) {}

  run(output: Float32Array, dims: readonly number[], placement: LetterboxPlacement, frame: { width: number; height: number }): Detection[] {
    const c = this.candidates;
    c.clear();
    this.layout.decode(output, dims, this.thresholds, c);
    let keep: number[];
    if (this.layout.hasNms) {
      keep = [];
      for (let i = 0; i < c.count && i < this.thresholds.maxDet; i++) keep.push(i);
    } else {
      keep = nms(c, this.thresholds);
    }
    return mapToFrame(c, keep, placement, frame, this.names);
  }
}
