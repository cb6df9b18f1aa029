import type { Candidates } from './layouts/candidates.ts';

export interface NmsOptions {
  /** Boxes of one class overlapping more than this IoU with a better one are suppressed (Ultralytics `iou`). */
  iou: number;
  /** Most boxes kept per frame (Ultralytics `max_det`, default 300). */
  maxDet: number;
  /** Most candidates considered, best first (Ultralytics `max_nms`, default 30000). */
  maxCandidates?: number;
}

let order = new Int32Array(0);
let suppressed = new Uint8Array(0);

/**
 * Greedy, class-aware NMS: best score first, a box suppresses later boxes of its own class whose IoU with it
 * exceeds `iou`; boxes of different classes never suppress each other (Ultralytics' default, agnostic=False).
 * Returns the indices kept, best first.
 */
export function nms(c: Candidates, options: NmsOptions): number[] {
  const n = c.count;
  if (order.length < n) {
    order = new Int32Array(n * 2);
    suppressed = new Uint8Array(n * 2);
  }
  for (let i = 0; i < n; i++) order[i] = i;
  const view = order.subarray(0, n);
  const score = c.score;
  view.sort((a, b) => score[b] - score[a]);
  const limit = Math.min(n, options.maxCandidates ?? 30_000);
  suppressed.fill(0, 0, limit);
  const { x1, y1, x2, y2, cls } = c;
  const keep: number[] = [];
  for (let a = 0; a < limit && keep.length < options.maxDet; a++) {
    if (suppressed[a]) continue;
    const i = view[a];
    keep.push(i);
    const areaI = Math.max(0, x2[i] - x1[i]) * Math.max(0, y2[i] - y1[i]);
    for (let b = a + 1; b < limit; b++) {
      if (suppressed[b]) continue;
      const j = view[b];
      if (cls[j] !== cls[i]) continue;
      const w = Math.min(x2[i], x2[j]) - Math.max(x1[i], x1[j]);
      if (w <= 0) continue;
      const h = Math.min(y2[i], y2[j]) - Math.max(y1[i], y1[j]);
      if (h <= 0) continue;
      const inter = w * h;
      const areaJ = Math.max(0, x2[j] - x1[j]) * Math.max(0, y2[j] - y1[j]);
      if (inter / (areaI + areaJ - inter) > options.iou) suppressed[b] = 1;
    }
  }
  return keep;
}

/** IoU of two [x, y, w, h] boxes (frame pixels); used by tests and the precision/recall count. */
export function iouXywh(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}
