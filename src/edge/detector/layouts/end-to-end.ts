import type { Candidates, DecodeOptions } from './candidates.ts';
import { fixed, isBatchOfOne, type OutputLayout } from './output-layout.ts';

/** Most boxes an end-to-end export can emit before we take it for a YOLOv5 head with one class. */
const MAX_END_TO_END_BOXES = 1000;

/**
 * Exports with NMS inside the graph — YOLOv10, YOLO26, and any Ultralytics model exported with `nms=True`:
 * `[1, K, 6]` with K = max_det (300 by default), each row x1, y1, x2, y2 (input pixels), score, class id.
 * The detector runs no NMS of its own on these.
 */
export const endToEndLayout: OutputLayout = {
  name: 'end-to-end',
  describes: '[1, K, 6] (YOLOv10, YOLO26, nms=True exports: x1, y1, x2, y2, score, class; K = max_det, usually 300)',
  hasNms: true,
  match(shape, hint) {
    if (!isBatchOfOne(shape) || fixed(shape[2]) !== 6) return undefined;
    const k = fixed(shape[1]);
    // [1, N, 6] is also YOLOv5 with one class; the metadata decides, else the row count does.
    if (hint.endToEnd === false && hint.nc === 1) return undefined;
    if (hint.endToEnd !== true && k !== undefined && k > MAX_END_TO_END_BOXES) return undefined;
    return { nc: undefined };
  },
  decode(data: Float32Array, dims: readonly number[], options: DecodeOptions, out: Candidates) {
    const k = dims[1];
    const { conf, classes } = options;
    for (let i = 0, row = 0; i < k; i++, row += 6) {
      const score = data[row + 4];
      if (!(score > conf)) continue;
      const cls = Math.round(data[row + 5]);
      if (cls < 0 || (classes && !classes.has(cls))) continue;
      out.push(data[row], data[row + 1], data[row + 2], data[row + 3], score, cls);
    }
  },
};
