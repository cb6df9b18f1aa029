import type { Detection } from '../../contract/index.ts';
import type { LetterboxPlacement } from '../frames/frame-source.ts';
import type { Candidates } from './layouts/candidates.ts';

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Candidates `keep` (model-input pixels, corners) as detection.v1 boxes in frame pixels: undo the letterbox
 * (subtract the padding, divide by the scale, as Ultralytics' scale_boxes does), clip to the frame, and
 * report [x, y, w, h]. A box that clips to nothing is dropped.
 */
export function mapToFrame(
  c: Candidates,
  keep: readonly number[],
  placement: LetterboxPlacement,
  frame: { width: number; height: number },
  names: readonly string[],
): Detection[] {
  const { scale, padLeft, padTop } = placement;
  const out: Detection[] = [];
  for (const i of keep) {
    const x1 = Math.min(frame.width, Math.max(0, (c.x1[i] - padLeft) / scale));
    const y1 = Math.min(frame.height, Math.max(0, (c.y1[i] - padTop) / scale));
    const x2 = Math.min(frame.width, Math.max(0, (c.x2[i] - padLeft) / scale));
    const y2 = Math.min(frame.height, Math.max(0, (c.y2[i] - padTop) / scale));
    if (x2 - x1 <= 0 || y2 - y1 <= 0) continue;
    const id = c.cls[i];
    out.push({
      class: names[id] ?? `class_${id}`,
      class_id: id,
      confidence: Math.min(1, Math.max(0, Math.round(c.score[i] * 10_000) / 10_000)),
      bbox: [round2(x1), round2(y1), round2(x2 - x1), round2(y2 - y1)],
    });
  }
  return out;
}
