import { FLOAT, FLOAT16, GraphBuilder, ultralyticsMetadata } from './onnx-builder.ts';

/**
 * One tiny model per output layout, each emitting a fixed tensor (whatever the image) so a test knows
 * exactly which boxes the detector must report. The input is still wired in (mean of the image times
 * zero) so onnxruntime runs a real graph on a real input. Model input 64x64, classes part/scratch/dent.
 */
export const LAYOUT_NAMES = ['part', 'scratch', 'dent'] as const;
export const LAYOUT_IMGSZ = 64;

/** Boxes in model-input pixels: centre x, centre y, width, height, score, class. */
export const LAYOUT_BOXES: readonly [number, number, number, number, number, number][] = [
  [32, 24, 16, 8, 0.9, 1], // A
  [10, 14, 8, 8, 0.8, 0], // B
  [33, 24, 16, 8, 0.7, 1], // A2: same class as A, IoU 0.88 with it: NMS removes it
  [33, 25, 16, 8, 0.6, 2], // C: overlaps A but another class: NMS keeps it
  [40, 40, 8, 8, 0.2, 0], // D: below conf 0.25
  [60, 50, 12, 12, 0.5, 2], // E: runs off the right edge of the frame: clipped
];
const ANCHORS = 16;

function constantOutput(g: GraphBuilder, dims: number[], values: Float32Array): void {
  const images = g.input('images', [1, 3, LAYOUT_IMGSZ, LAYOUT_IMGSZ]);
  const mean = g.op('ReduceMean', [images], { keepdims: 0 });
  const zero = g.op('Mul', [mean, g.scalar(0)]);
  g.op('Add', [g.init(dims, values), zero], {}, ['output0']);
  g.output('output0', dims);
}

function meta(extra?: Record<string, string>) {
  return ultralyticsMetadata({
    description: 'Seamline layout fixture',
    names: LAYOUT_NAMES,
    imgsz: [LAYOUT_IMGSZ, LAYOUT_IMGSZ],
    stride: 32,
    extra,
  });
}

/** YOLOv8 layout [1, 4+nc, N]: per anchor cx, cy, w, h, then class scores. */
export function yolov8LayoutModel(): Buffer {
  const nc = LAYOUT_NAMES.length;
  const v = new Float32Array((4 + nc) * ANCHORS);
  LAYOUT_BOXES.forEach(([cx, cy, w, h, s, c], i) => {
    [cx, cy, w, h].forEach((x, r) => (v[r * ANCHORS + i] = x));
    v[(4 + c) * ANCHORS + i] = s;
    // A lower score for another class must not win.
    v[(4 + ((c + 1) % nc)) * ANCHORS + i] = s / 3;
  });
  const g = new GraphBuilder();
  constantOutput(g, [1, 4 + nc, ANCHORS], v);
  return g.encode(meta());
}

/** YOLOv5 layout [1, N, 5+nc]: per anchor cx, cy, w, h, objectness, class probabilities (score = obj x cls). */
export function yolov5LayoutModel(): Buffer {
  const nc = LAYOUT_NAMES.length;
  const v = yolov5Rows();
  const g = new GraphBuilder();
  constantOutput(g, [1, ANCHORS, 5 + nc], v);
  return g.encode(meta());
}

/** The YOLOv5 fixture's rows, plus anchor 8: a class-0 box at (48, 20) 8x8 whose class score is the input's mean. */
function yolov5Rows(): Float32Array {
  const nc = LAYOUT_NAMES.length;
  const v = new Float32Array((5 + nc) * ANCHORS);
  LAYOUT_BOXES.forEach(([cx, cy, w, h, s, c], i) => {
    const row = i * (5 + nc);
    v.set([cx, cy, w, h, 1], row);
    v[row + 5 + c] = s;
  });
  // An anchor with high objectness but weak classes: 0.95 x 0.2 = 0.19 < 0.25.
  v.set([20, 20, 10, 10, 0.95, 0.2, 0.1, 0.1], 7 * (5 + nc));
  return v;
}

/**
 * The YOLOv5 layout as a half-precision export (YOLOv5 `--half`, Ultralytics `half=True`): float16 input and
 * output. Beside the fixed boxes (their scores as halves: 0.9 reads 0.8999), anchor 8 is a `part` box at
 * (48, 20) 8x8 whose score is the mean of the input the model was fed, so a test sees the input arrive as
 * halves: a 128-grey frame letterboxed with 114 grey reads 0.4883 here, where float32 all the way gives 0.4882.
 */
export function yolov5HalfLayoutModel(): Buffer {
  const nc = LAYOUT_NAMES.length;
  const dims = [1, ANCHORS, 5 + nc];
  const v = yolov5Rows();
  v.set([48, 20, 8, 8, 1], 8 * (5 + nc));
  const mask = new Float32Array(v.length);
  mask[8 * (5 + nc) + 5] = 1;
  const g = new GraphBuilder();
  const images = g.input('images', [1, 3, LAYOUT_IMGSZ, LAYOUT_IMGSZ], FLOAT16);
  const mean = g.op('ReduceMean', [g.op('Cast', [images], { to: FLOAT })], { keepdims: 0 });
  const rows = g.op('Add', [g.init(dims, v), g.op('Mul', [mean, g.init(dims, mask)])]);
  g.op('Cast', [rows], { to: FLOAT16 }, ['output0']);
  g.output('output0', dims, FLOAT16);
  return g.encode(meta({ args: "{'batch': 1, 'half': True}" }));
}

/** End-to-end layout [1, K, 6]: x1, y1, x2, y2, score, class; NMS already done (A2 absent). */
export function endToEndLayoutModel(): Buffer {
  const k = 10;
  const v = new Float32Array(k * 6);
  LAYOUT_BOXES.filter((_, i) => i !== 2).forEach(([cx, cy, w, h, s, c], i) =>
    v.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, s, c], i * 6),
  );
  const g = new GraphBuilder();
  constantOutput(g, [1, k, 6], v);
  return g.encode(meta({ end2end: 'True', args: "{'batch': 1, 'nms': True, 'half': False}" }));
}

/** An output no layout reads ([1, 3, 8, 8], like a segmentation mask head), for the start-up error. */
export function unsupportedLayoutModel(): Buffer {
  const g = new GraphBuilder();
  constantOutput(g, [1, 3, 8, 8], new Float32Array(3 * 64));
  return g.encode(meta());
}
