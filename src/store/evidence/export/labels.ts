import type { EvidenceV1 } from '../../../contract/index.ts';

type Box = EvidenceV1['detections'][number];
type Frame = EvidenceV1['frame'];

/** Decimals of a label line's numbers: 1e-6 of the frame, well under a pixel of any frame the contract allows. */
export const LABEL_DECIMALS = 6;

/** A box in YOLO's normalised form: centre and size as fractions of the frame, each in [0, 1]. */
export interface NormalisedBox {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));

/**
 * A box in frame pixels ([x, y, w, h], origin top-left) as YOLO's normalised centre and size. Normalised by
 * the frame, not the image: the boxes are in frame pixels, and the stored image is the frame scaled down with
 * its proportions kept (or its letterboxed inner picture, which is the frame), so fractions of the frame are
 * fractions of the image. A box reaching past the frame's edge (the contract allows it) is cut at the edge
 * first, so every number is in [0, 1]; null when nothing of it is left inside the frame.
 */
export function normalise(bbox: readonly number[], frame: Frame): NormalisedBox | null {
  const [x, y, w, h] = bbox;
  const { width: W, height: H } = frame;
  // Cut in pixels, divide once: a box inside the frame keeps its exact w / W and h / H.
  const [x1, x2] = [clamp(x, W), clamp(x + w, W)];
  const [y1, y2] = [clamp(y, H), clamp(y + h, H)];
  if (x2 <= x1 || y2 <= y1) return null;
  return { cx: (x1 + x2) / 2 / W, cy: (y1 + y2) / 2 / H, w: (x2 - x1) / W, h: (y2 - y1) / H };
}

/** One line of a YOLO label file: `class_id cx cy w h`, six decimals; null for a box wholly outside the frame. */
export function labelLine(classId: number, bbox: readonly number[], frame: Frame): string | null {
  const n = normalise(bbox, frame);
  if (!n) return null;
  const f = (v: number) => v.toFixed(LABEL_DECIMALS);
  return `${classId} ${f(n.cx)} ${f(n.cy)} ${f(n.w)} ${f(n.h)}`;
}

/** A label line back into frame pixels [x, y, w, h]: what a reader of the dataset (and the tests) computes. */
export function denormalise(line: string, frame: Frame): { classId: number; bbox: [number, number, number, number] } {
  const [id, cx, cy, w, h] = line.trim().split(/\s+/).map(Number);
  return {
    classId: id,
    bbox: [(cx - w / 2) * frame.width, (cy - h / 2) * frame.height, w * frame.width, h * frame.height],
  };
}

/** The class ids of a dataset: `names[id]` is the class a label line's id means. */
export interface ClassMap {
  /** id -> name, ids 0..n-1 with no gaps (Ultralytics counts the classes as the length of `names`). */
  names: string[];
  idOf: ReadonlyMap<string, number>;
  /** `model`: the model's own class_id (every box of the images agreed); `sorted`: the exported names sorted. */
  source: 'model' | 'sorted';
}

/**
 * The class ids a dataset's labels use. When every box of the selected images agrees on one class_id per name
 * and one name per class_id, the model's ids are kept (the next model trains with the same output order, and
 * a fine-tune starts from the same head); the ids between them are named after the boxes that name them,
 * or `class_<id>` when no selected image shows that class. Otherwise (images of two models whose label lists
 * differ) the exported names are numbered in sorted order.
 */
export function classMap(headers: Iterable<EvidenceV1>, exported: ReadonlySet<string>): ClassMap {
  const nameToId = new Map<string, number>();
  const idToName = new Map<number, string>();
  let agree = true;
  for (const header of headers) {
    for (const d of header.detections) {
      const id = nameToId.get(d.class);
      const name = idToName.get(d.class_id);
      if ((id !== undefined && id !== d.class_id) || (name !== undefined && name !== d.class)) agree = false;
      nameToId.set(d.class, d.class_id);
      idToName.set(d.class_id, d.class);
    }
  }
  const wanted = [...exported].filter((n) => nameToId.has(n)).sort();
  if (agree && wanted.length > 0) {
    const top = Math.max(...wanted.map((n) => nameToId.get(n)!));
    const names = Array.from({ length: top + 1 }, (_, id) => idToName.get(id) ?? `class_${id}`);
    return { names, idOf: new Map(wanted.map((n) => [n, nameToId.get(n)!])), source: 'model' };
  }
  return { names: wanted, idOf: new Map(wanted.map((n, i) => [n, i])), source: 'sorted' };
}

/** The label file of one image: a line for every box of an exported class (whatever its confidence), in stored order. */
export function labelFile(header: EvidenceV1, classes: ClassMap): { text: string; lines: number; outside: number } {
  const lines: string[] = [];
  let outside = 0;
  for (const d of header.detections as Box[]) {
    const id = classes.idOf.get(d.class);
    if (id === undefined) continue;
    const line = labelLine(id, d.bbox, header.frame);
    if (line === null) outside++;
    else lines.push(line);
  }
  return { text: lines.length > 0 ? `${lines.join('\n')}\n` : '', lines: lines.length, outside };
}
