import type { Candidates, DecodeOptions } from './candidates.ts';
import { fixed, isBatchOfOne, type OutputLayout } from './output-layout.ts';

let candidate = new Uint8Array(0);
const oneFloat = new Float32Array(1);
const oneInt = new Int32Array(oneFloat.buffer);

/** The int32 bit pattern of `conf` as a float32; a threshold of -0 or below compares as 0. */
function confBits(conf: number): number {
  oneFloat[0] = Math.max(0, conf);
  return oneInt[0];
}

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
    // The scores are compared as their int32 bit patterns, which order non-negative floats as the floats
    // do and put every negative float below any conf >= 0 (thresholds() keeps conf in 0..1); ~15% faster
    // than float compares here. A NaN score can only flag an anchor; the float test below rejects it.
    candidate.fill(0, 0, n);
    const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
    const cb = confBits(conf);
    const n2 = 2 * n;
    const n3 = 3 * n;
    let c = 0;
    for (; c + 4 <= nc; c += 4) {
      const end = (5 + c) * n;
      for (let p = (4 + c) * n, i = 0; p < end; p++, i++) {
        if (bits[p] > cb || bits[p + n] > cb || bits[p + n2] > cb || bits[p + n3] > cb) candidate[i] = 1;
      }
    }
    for (; c < nc; c++) {
      const end = (5 + c) * n;
      for (let p = (4 + c) * n, i = 0; p < end; p++, i++) if (bits[p] > cb) candidate[i] = 1;
    }
    for (let i = 0; i < n; i++) {
      if (candidate[i] === 0) continue;
      let best = -Infinity;
      let cls = -1;
      for (let c = 0; c < nc; c++) {
        const s = data[(4 + c) * n + i];
        if (s > best) {
          best = s;
          cls = c;
        }
      }
      if (!(best > conf) || (classes && !classes.has(cls))) continue;
      out.pushCentre(data[i], data[n + i], data[2 * n + i], data[3 * n + i], best, cls);
    }
  },
};
