import { CONVEYOR_CLASSES, MAX_DEFECT_SIDE, MAX_PART_SIDE } from '../../edge/frames/conveyor-scene.ts';
import { FLOAT, GraphBuilder, INT64, ultralyticsMetadata } from './onnx-builder.ts';

/** Model input and grid: 640 x 640, one anchor per 8 x 8 cell (80 x 80 = 6400 anchors). */
export const CONVEYOR_IMGSZ = 640;
const STRIDE = 8;
const CELLS = CONVEYOR_IMGSZ / STRIDE;

/**
 * Cells each side of an anchor that its box window reaches: enough to see all of the largest part (half of
 * MAX_PART_SIDE at the 1280 -> 640 letterbox) or defect from any cell it covers, not enough to reach the next
 * part of the belt (conveyor-scene.ts keeps them a pitch apart).
 */
const PART_REACH = Math.ceil(MAX_PART_SIDE / 2 / STRIDE) + 1;
const DEFECT_REACH = Math.ceil(MAX_DEFECT_SIDE / 2 / STRIDE) + 1;
/** Score per unit of cell coverage: parts top out at 0.8; defects, often thinner than a cell, saturate early. */
const GAIN = CONVEYOR_CLASSES.map((_, c) => (c === 0 ? 0.8 : 3));
const MAX_SCORE = 0.95;

/**
 * A YOLOv8-layout detector whose weights are set by hand to find what the synthetic conveyor draws.
 *
 * 1. Colour evidence, a 1x1 convolution: each class colour is a corner v of the RGB cube, and the linear
 *    score (2v - 1) . rgb + 1 - |v| is 1 on that corner and at most 0 on every other corner and on grey, so
 *    blends at object edges never fire a third class. Scaled by 1000 and clipped to 0..1: a binary mask per
 *    class at full resolution.
 * 2. Extents: mask x pixel coordinate, max-pooled per 8x8 cell and then over a window of cells (separably),
 *    gives each cell the right edge of its class's pixels nearby; likewise left (via 641 - x), top, bottom.
 *    (Pooled along the other axis first: the same maxima for an eighth of the multiplications.)
 *    The part mask counts defect pixels as part, so a part's box spans its defects.
 * 3. Scores: each class's coverage of the cell (average pool), times a gain. A cell picks its best class
 *    (ArgMax, one-hot) and emits that class's box as cx, cy, w, h, with all class scores: [1, 4+6, 6400].
 *
 * Every cell on an object emits the same box, so NMS leaves one detection per object.
 */
export function conveyorModel(): Buffer {
  const g = new GraphBuilder();
  const nc = CONVEYOR_CLASSES.length;
  const images = g.input('images', [1, 3, CONVEYOR_IMGSZ, CONVEYOR_IMGSZ]);
  const zero = g.scalar(0);
  const one = g.scalar(1);

  const w: number[] = [];
  const b: number[] = [];
  for (const { rgb } of CONVEYOR_CLASSES) {
    const v: number[] = rgb.map((c) => (c > 127 ? 1 : 0));
    w.push(...v.map((x) => 1000 * (2 * x - 1)));
    b.push(1000 * (1 - v.reduce((s, x) => s + x, 0) - 0.5));
  }
  const masks = g.op('Clip', [g.op('Conv', [images, g.init([nc, 3, 1, 1], w), g.init([nc], b)]), zero, one]);
  const anyColour = g.op('Clip', [g.op('Conv', [masks, g.init([1, nc, 1, 1], new Array(nc).fill(1))]), zero, one]);
  const defects = g.op('Slice', [masks, g.ints([1]), g.ints([nc]), g.ints([1])]);
  const extentMasks = g.op('Concat', [anyColour, defects], { axis: 1 });

  // Pixel edges as coordinates: right/bottom edge of pixel i is i + 1; 641 - (i + 1) turns a min into a max.
  const ramp = [...Array(CONVEYOR_IMGSZ).keys()].map((i) => i + 1);
  const flip = ramp.map((v) => CONVEYOR_IMGSZ + 1 - v);
  const xRight = g.init([1, 1, 1, CONVEYOR_IMGSZ], ramp);
  const xLeft = g.init([1, 1, 1, CONVEYOR_IMGSZ], flip);
  const yBottom = g.init([1, 1, CONVEYOR_IMGSZ, 1], ramp);
  const yTop = g.init([1, 1, CONVEYOR_IMGSZ, 1], flip);
  // max over a cell of (mask x coordinate) = max over its columns of (x * column has the class): pool the
  // mask along the other axis first, so the multiplications run on an eighth of the pixels.
  const columns = g.op('MaxPool', [extentMasks], { kernel_shape: [STRIDE, 1], strides: [STRIDE, 1] });
  const rows = g.op('MaxPool', [extentMasks], { kernel_shape: [1, STRIDE], strides: [1, STRIDE] });

  const partOnly = g.init(
    [1, nc, 1, 1],
    CONVEYOR_CLASSES.map((_, c) => (c === 0 ? 1 : 0)),
  );
  const defectOnly = g.init(
    [1, nc, 1, 1],
    CONVEYOR_CLASSES.map((_, c) => (c === 0 ? 0 : 1)),
  );
  const slide = (t: string, reach: number) => {
    const k = 2 * reach + 1;
    const across = g.op('MaxPool', [t], { kernel_shape: [1, k], strides: [1, 1], pads: [0, reach, 0, reach] });
    return g.op('MaxPool', [across], { kernel_shape: [k, 1], strides: [1, 1], pads: [reach, 0, reach, 0] });
  };
  const extent = (coordinate: string, horizontal: boolean) => {
    const kernel = horizontal ? [1, STRIDE] : [STRIDE, 1];
    const cells = g.op('MaxPool', [g.op('Mul', [horizontal ? columns : rows, coordinate])], { kernel_shape: kernel, strides: kernel });
    return g.op('Add', [g.op('Mul', [slide(cells, PART_REACH), partOnly]), g.op('Mul', [slide(cells, DEFECT_REACH), defectOnly])]);
  };
  const size = g.scalar(CONVEYOR_IMGSZ);
  const right = extent(xRight, true);
  const left = g.op('Sub', [size, extent(xLeft, true)]);
  const bottom = extent(yBottom, false);
  const top = g.op('Sub', [size, extent(yTop, false)]);

  const coverage = g.op('AveragePool', [masks], { kernel_shape: [STRIDE, STRIDE], strides: [STRIDE, STRIDE] });
  const scores = g.op('Clip', [g.op('Mul', [coverage, g.init([1, nc, 1, 1], GAIN)]), zero, g.scalar(MAX_SCORE)]);
  const best = g.op('ArgMax', [scores], { axis: 1, keepdims: 1 });
  const onehot = g.op('Cast', [g.op('Equal', [best, g.init([1, nc, 1, 1], [...Array(nc).keys()], INT64)])], { to: FLOAT });
  const pick = (t: string) => g.op('ReduceSum', [g.op('Mul', [onehot, t]), g.ints([1])], { keepdims: 1 });
  const [l, r, t, bt] = [pick(left), pick(right), pick(top), pick(bottom)];
  const half = g.scalar(0.5);
  const cx = g.op('Mul', [g.op('Add', [l, r]), half]);
  const cy = g.op('Mul', [g.op('Add', [t, bt]), half]);
  const bw = g.op('Sub', [r, l]);
  const bh = g.op('Sub', [bt, t]);
  const head = g.op('Concat', [cx, cy, bw, bh, scores], { axis: 1 });
  g.op('Reshape', [head, g.ints([1, 4 + nc, CELLS * CELLS])], {}, ['output0']);
  g.output('output0', [1, 4 + nc, CELLS * CELLS]);
  return g.encode(
    ultralyticsMetadata({
      description: 'Seamline conveyor detector: weights set by hand for the synthetic conveyor scene',
      names: CONVEYOR_CLASSES.map((c) => c.name),
      imgsz: [CONVEYOR_IMGSZ, CONVEYOR_IMGSZ],
      stride: STRIDE,
    }),
    'seamline_conveyor',
  );
}
