import type { Candidates, DecodeOptions } from '../candidates.ts';
import { fixed, isBatchOfOne, type OutputLayout } from './output-layout.ts';

let candidate = new Uint8Array(0);

/**
 * YOLOv8 / YOLO11 / YOLOv9 heads exported by Ultralytics: `[1, 4+nc, N]`, rows cx, cy, w, h (input pixels)
 * then one score per class, no objectness; N anchors (8400 at 640: 80² + 40² + 20²).
 */
export const yolov8Layout: OutputLayout = {
  name: 'yolov8',
  describes: '[1, 4+nc, N] (YOLOv8, YOLO11: cx, cy, w, h, then nc class scores per anchor)',
  hasNms: false,
  match(shape, hint) {
    if (!isBatchOfOne(shape)) return undefined;
    const rows = fixed(shape[1]);
    const n = fixed(shape[2]);
    if (rows === undefined || rows < 5) return undefined;
    if (hint.nc !== undefined && rows !== 4 + hint.nc) return undefined;
    // Rows are fewer than anchors in every real export; the reverse is YOLOv5's [1, N, 5+nc].
    if (n !== undefined && n <= rows) return undefined;
    return { nc: rows - 4 };
  },
  decode(data: Float32Array, dims: readonly number[], options: DecodeOptions, out: Candidates) {
    const rows = dims[1];
    const n = dims[2];
    const nc = rows - 4;
    if (candidate.length < n) candidate = new Uint8Array(n);
    const { conf, classes } = options;
    // First pass, class-major so every read is sequential: which anchors have any class above conf
    // (Ultralytics' `xc`). Four class rows at a time, so the flags are touched a quarter as often; almost
    // no anchor passes, so the best class is then found for those few only, before any box arithmetic.
    candidate.fill(0, 0, n);
    const n2 = 2 * n;
    const n3 = 3 * n;
    let c = 0;
    for (; c + 4 <= nc; c += 4) {
      const end = (5 + c) * n;
      for (let p = (4 + c) * n, i = 0; p < end; p++, i++) {
        if (data[p] > conf || data[p + n] > conf || data[p + n2] > conf || data[p + n3] > conf) candidate[i] = 1;
      }
    }
    for (; c < nc; c++) {
      const end = (5 + c) * n;
      for (let p = (4 + c) * n, i = 0; p < end; p++, i++) if (data[p] > conf) candidate[i] = 1;
    }
    for (let i = 0; i < n; i++) {
      if (candidate[i] === 0) continue;
      let best = data[4 * n + i];
      let cls = 0;
      for (let c = 1; c < nc; c++) {
        const s = data[(4 + c) * n + i];
        if (s > best) {
          best = s;
          cls = c;
        }
      }
      if (classes && !classes.has(cls)) continue;
      out.pushCentre(data[i], data[n + i], data[2 * n + i], data[3 * n + i], best, cls);
    }
  },
};
