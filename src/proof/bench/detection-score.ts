import type { Detection } from '../../contract/index.ts';
import { iouXywh } from '../../edge/detector/nms.ts';
import type { TruthBox } from '../../edge/frames/frame-source.ts';

/** True/false positives and misses of one frame at an IoU threshold, class-aware, best IoU first. */
export function scoreFrame(
  truth: readonly TruthBox[],
  found: readonly Pick<Detection, 'class_id' | 'bbox'>[],
  iou = 0.5,
): { tp: number; fp: number; fn: number } {
  const taken = new Set<number>();
  let tp = 0;
  for (const d of found) {
    let best = -1;
    let bestIou = iou;
    truth.forEach((t, i) => {
      const v = t.class_id === d.class_id && !taken.has(i) ? iouXywh(t.bbox, d.bbox) : 0;
      if (v >= bestIou) [best, bestIou] = [i, v];
    });
    if (best >= 0) {
      taken.add(best);
      tp++;
    }
  }
  return { tp, fp: found.length - tp, fn: truth.length - tp };
}
