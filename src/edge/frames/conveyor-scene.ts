import type { TruthBox } from './frame-source.ts';

/**
 * The synthetic conveyor: parts ride a belt left to right, some carrying defects. Each class is drawn in its
 * own saturated colour (a corner of the RGB cube) on grey surroundings, which is what the hand-built model in
 * src/proof/models/conveyor-model.ts looks for: the scene and that network are designed together, see
 * docs/inference.md. Geometry is defined for a 1280-pixel-wide frame and scales with the frame width.
 */
export const CONVEYOR_CLASSES = [
  { name: 'part', rgb: [20, 30, 235] }, // blue
  { name: 'scratch', rgb: [235, 25, 20] }, // red
  { name: 'dent', rgb: [235, 225, 20] }, // yellow
  { name: 'crack', rgb: [225, 20, 230] }, // magenta
  { name: 'missing_screw', rgb: [20, 225, 230] }, // cyan
  { name: 'discoloration', rgb: [25, 220, 30] }, // green
] as const;

/** Largest part side (reference pixels): the model's part window is sized for it (conveyor-model.ts). */
export const MAX_PART_SIDE = 200;
/** Belt distance between consecutive parts' left edges: a part, then at least 230 px of bare belt. */
export const PART_PITCH = 440;
/** Largest defect side; defects of one class are never closer than a part pitch. */
export const MAX_DEFECT_SIDE = 64;
/** A drawn object whose visible part is narrower or lower than this many pixels is not in the truth list. */
export const MIN_VISIBLE = 6;

export interface SceneObject {
  classId: number;
  /** Rectangle in frame pixels (may extend past the frame while a part enters or leaves). */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Brightness factor 0.9..1 of the part's colour (a little variety, still far from every other class). */
  shade: number;
}

/** A hash of (seed, index) to [0, 1): random access, so frame f needs no history of frames before it. */
function unit(seed: number, index: number, salt: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(salt + 7, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

export interface SceneGeometry {
  width: number;
  height: number;
  /** Belt pixels per frame (reference pixels; default 8). */
  speed: number;
  seed: number;
}

/** Where part 0 sits (reference pixels) in frame 0, so the first frame already shows the belt at work. */
const START_X = 1000;

/** Part k and its defects, in belt coordinates (reference pixels): part k rides PART_PITCH behind part k-1. */
function partAt(g: SceneGeometry, k: number, beltTop: number, beltHeight: number): SceneObject[] {
  const r = (salt: number) => unit(g.seed, k, salt);
  const w = Math.round(150 + r(1) * (MAX_PART_SIDE - 150));
  const h = Math.round(110 + r(2) * 70);
  const x = -k * PART_PITCH - Math.round(r(3) * 20);
  const y = beltTop + Math.round(12 + r(4) * (beltHeight - h - 24));
  const objects: SceneObject[] = [{ classId: 0, x, y, w, h, shade: 0.9 + r(5) * 0.1 }];
  // Up to three defects, each of another class and in its own quadrant of the part, never touching its edge.
  const quadrants = [0, 1, 2, 3].sort((a, b) => r(10 + a) - r(10 + b));
  const classes = [1, 2, 3, 4, 5].sort((a, b) => r(20 + a) - r(20 + b));
  const count = Math.floor(r(6) * 4);
  for (let d = 0; d < count; d++) {
    const q = quadrants[d];
    const cls = classes[d];
    const qw = Math.floor(w / 2);
    const qh = Math.floor(h / 2);
    const size = defectSize(cls, (s) => r(30 + d * 4 + s), qw - 12, qh - 12);
    const qx = x + (q % 2) * qw;
    const qy = y + Math.floor(q / 2) * qh;
    objects.push({
      classId: cls,
      x: qx + 6 + Math.round(r(40 + d) * (qw - 12 - size.w)),
      y: qy + 6 + Math.round(r(50 + d) * (qh - 12 - size.h)),
      w: size.w,
      h: size.h,
      shade: 1,
    });
  }
  return objects;
}

/** Each defect class has its own shape: scratches long and thin, cracks tall, screws small squares. */
function defectSize(cls: number, r: (salt: number) => number, maxW: number, maxH: number): { w: number; h: number } {
  const span = (lo: number, hi: number, s: number, max: number) => Math.min(max, Math.round(lo + r(s) * (hi - lo)));
  switch (cls) {
    case 1:
      return { w: span(40, MAX_DEFECT_SIDE, 0, maxW), h: span(20, 24, 1, maxH) };
    case 2:
      return { w: span(26, 40, 0, maxW), h: span(26, 40, 1, maxH) };
    case 3:
      return { w: span(20, 24, 0, maxW), h: span(30, 44, 1, maxH) };
    case 4:
      return { w: span(20, 26, 0, maxW), h: span(20, 26, 1, maxH) };
    default:
      return { w: span(30, 60, 0, maxW), h: span(26, 42, 1, maxH) };
  }
}

/**
 * What is on the belt in frame `index`: objects in frame pixels, and the truth list (visible parts of the
 * drawn objects, clipped to the frame). Deterministic in (geometry, index).
 */
export function sceneAt(
  g: SceneGeometry,
  index: number,
): { objects: SceneObject[]; truth: TruthBox[]; beltTop: number; beltHeight: number; travelled: number } {
  const s = g.width / 1280;
  const refHeight = g.height / s;
  const beltHeight = Math.min(360, Math.round(refHeight * 0.6));
  const beltTop = Math.round((refHeight - beltHeight) / 2);
  const travelled = index * g.speed;
  // The belt moves right: an object at belt x is at frame x = belt x + travelled + START_X (reference pixels).
  const first = Math.max(0, Math.floor((travelled + START_X - 1280) / PART_PITCH));
  const last = Math.ceil((travelled + START_X + MAX_PART_SIDE + 20) / PART_PITCH);
  const objects: SceneObject[] = [];
  const truth: TruthBox[] = [];
  for (let k = first; k <= last; k++) {
    for (const o of partAt(g, k, beltTop, beltHeight)) {
      const fx = Math.round((o.x + travelled + START_X) * s);
      const obj = { ...o, x: fx, y: Math.round(o.y * s), w: Math.round(o.w * s), h: Math.round(o.h * s) };
      if (obj.x >= g.width || obj.x + obj.w <= 0) continue;
      objects.push(obj);
      const x1 = Math.max(0, obj.x);
      const y1 = Math.max(0, obj.y);
      const x2 = Math.min(g.width, obj.x + obj.w);
      const y2 = Math.min(g.height, obj.y + obj.h);
      if (x2 - x1 >= MIN_VISIBLE * s && y2 - y1 >= MIN_VISIBLE * s) {
        truth.push({ class: CONVEYOR_CLASSES[obj.classId].name, class_id: obj.classId, bbox: [x1, y1, x2 - x1, y2 - y1] });
      }
    }
  }
  return { objects, truth, beltTop: Math.round(beltTop * s), beltHeight: Math.round(beltHeight * s), travelled: travelled * s };
}
