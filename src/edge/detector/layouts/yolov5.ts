import type { Candidates, DecodeOptions } from './candidates.ts';
import { fixed, isBatchOfOne, type OutputLayout } from './output-layout.ts';

/**
 * YOLOv5 (and YOLOv7) exports: `[1, N, 5+nc]`, per anchor cx, cy, w, h (input pixels), objectness, then nc
 * class probabilities; a box's score is objectness x its best class probability, as YOLOv5's NMS computes it.
 */
export const yolov5Layout: OutputLayout = {
  name: 'yolov5',
  describes: '[1, N, 5+nc] (YOLOv5: cx, cy, w, h, objectness, then nc class scores per anchor)',
  hasNms: false,
  match(shape, hint) {
    if (!isBatchOfOne(shape)) return undefined;
    const n = fixed(shape[1]);
    const cols = fixed(shape[2]);
    if (cols === undefined || cols < 6) return undefined;
    if (hint.nc !== undefined && cols !== 5 + hint.nc) return undefined;
    if (n !== undefined && n <= cols) return undefined;
    return { nc: cols - 5 };
  },
  decode(data: Float32Array, dims: readonly number[], options: DecodeOptions, out: Candidates) {
    const n = dims[1];
    const cols = dims[2];
    const { conf, classes } = options;
    for (let i = 0, row = 0; i < n; i++, row += cols) {
      const obj = data[row + 4];
      if (!(obj > conf)) continue;
      let best = -Infinity;
      let cls = 0;
      for (let c = 5; c < cols; c++) {
        if (data[row + c] > best) {
          best = data[row + c];
          cls = c - 5;
        }
      }
      const score = obj * best;
      if (!(score > conf)) continue;
      if (classes && !classes.has(cls)) continue;
      out.pushCentre(data[row], data[row + 1], data[row + 2], data[row + 3], score, cls);
    }
  },
};
