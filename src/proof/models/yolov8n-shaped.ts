import { seededRandom } from '../../plumbing/seeded-random.ts';
import { FLOAT, GraphBuilder, ultralyticsMetadata } from './onnx-builder.ts';

/** The building blocks of YOLOv8, each adding its nodes to `g`; weights come from `rand` in the order of the calls. */
function layers(g: GraphBuilder, rand: () => number) {
  const conv = (x: string, cin: number, cout: number, k: number, s = 1, act = true, bias = 0): string => {
    const n = cout * cin * k * k;
    const a = Math.sqrt(3 / (cin * k * k));
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = (rand() * 2 - 1) * a;
    const p = Math.floor(k / 2);
    const y = g.op('Conv', [x, g.init([cout, cin, k, k], w), g.init([cout], new Float32Array(cout).fill(bias))], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [p, p, p, p],
    });
    return act ? g.op('Mul', [y, g.op('Sigmoid', [y])]) : y;
  };
  const c2f = (x: string, cin: number, cout: number, n: number, shortcut: boolean): string => {
    const c = cout / 2;
    const y0 = conv(x, cin, 2 * c, 1);
    const parts = [
      g.op('Slice', [y0, g.ints([0]), g.ints([c]), g.ints([1])]),
      g.op('Slice', [y0, g.ints([c]), g.ints([2 * c]), g.ints([1])]),
    ];
    for (let i = 0; i < n; i++) {
      const last = parts[parts.length - 1];
      const b = conv(conv(last, c, c, 3), c, c, 3);
      parts.push(shortcut ? g.op('Add', [last, b]) : b);
    }
    return conv(g.op('Concat', parts, { axis: 1 }), (2 + n) * c, cout, 1);
  };
  const sppf = (x: string, ch: number): string => {
    const y = conv(x, ch, ch / 2, 1);
    const pool = (t: string) => g.op('MaxPool', [t], { kernel_shape: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] });
    const p1 = pool(y);
    const p2 = pool(p1);
    const p3 = pool(p2);
    return conv(g.op('Concat', [y, p1, p2, p3], { axis: 1 }), 2 * ch, ch, 1);
  };
  const up = (x: string) => g.op('Resize', [x, '', g.init([4], [1, 1, 2, 2])], { mode: 'nearest' });
  return { conv, c2f, sppf, up };
}

type Layers = ReturnType<typeof layers>;

/** Backbone and PAN neck: the feature maps at strides 8, 16 and 32. */
function backboneAndNeck(g: GraphBuilder, { conv, c2f, sppf, up }: Layers, images: string): [string, string, string] {
  let x = conv(images, 3, 16, 3, 2);
  x = c2f(conv(x, 16, 32, 3, 2), 32, 32, 1, true);
  const p3 = c2f(conv(x, 32, 64, 3, 2), 64, 64, 2, true);
  const p4 = c2f(conv(p3, 64, 128, 3, 2), 128, 128, 2, true);
  const p5 = sppf(c2f(conv(p4, 128, 256, 3, 2), 256, 256, 1, true), 256);
  const n4 = c2f(g.op('Concat', [up(p5), p4], { axis: 1 }), 384, 128, 1, false);
  const out3 = c2f(g.op('Concat', [up(n4), p3], { axis: 1 }), 192, 64, 1, false);
  const out4 = c2f(g.op('Concat', [conv(out3, 64, 64, 3, 2), n4], { axis: 1 }), 192, 128, 1, false);
  const out5 = c2f(g.op('Concat', [conv(out4, 128, 128, 3, 2), p5], { axis: 1 }), 384, 256, 1, false);
  return [out3, out4, out5];
}

/** The decoupled head at each stride: box regression (64 = 4 sides x 16 bins) and class logits, all 8400 cells. */
function head(g: GraphBuilder, { conv }: Layers, [out3, out4, out5]: [string, string, string], nc: number): string {
  const prior = -Math.log((1 - 0.01 / nc) / (0.01 / nc));
  const heads = (
    [
      [out3, 64, 80],
      [out4, 128, 40],
      [out5, 256, 20],
    ] as const
  ).map(([t, ch, cells]) => {
    const box = conv(conv(conv(t, ch, 64, 3), 64, 64, 3), 64, 64, 1, 1, false);
    const cls = conv(conv(conv(t, ch, 80, 3), 80, 80, 3), 80, nc, 1, 1, false, prior);
    return g.op('Reshape', [g.op('Concat', [box, cls], { axis: 1 }), g.ints([1, 64 + nc, cells * cells])]);
  });
  return g.op('Concat', heads, { axis: 2 });
}

/** The in-graph decoding: DFL to distances, anchors and strides to boxes (cx, cy, w, h in pixels), then the class scores. */
function decode(g: GraphBuilder, all: string, nc: number): void {
  const n = 8400;
  const reg = g.op('Slice', [all, g.ints([0]), g.ints([64]), g.ints([1])]);
  const cls = g.op('Sigmoid', [g.op('Slice', [all, g.ints([64]), g.ints([64 + nc]), g.ints([1])])]);
  // DFL: a softmax over 16 bins per side, its expectation as the distance (in strides) to each side.
  const bins = g.op('Softmax', [g.op('Reshape', [reg, g.ints([1, 4, 16, n])])], { axis: 2 });
  const dist = g.op('ReduceSum', [g.op('Mul', [bins, g.init([1, 1, 16, 1], [...Array(16).keys()])]), g.ints([2])], { keepdims: 0 });
  const anchors: number[] = [];
  const strides: number[] = [];
  for (const [cells, s] of [
    [80, 8],
    [40, 16],
    [20, 32],
  ]) {
    for (let y = 0; y < cells; y++) for (let xx = 0; xx < cells; xx++) anchors.push(xx + 0.5, y + 0.5), strides.push(s);
  }
  const ax = g.init([1, 2, n], [...anchors.filter((_, i) => i % 2 === 0), ...anchors.filter((_, i) => i % 2 === 1)]);
  const lt = g.op('Slice', [dist, g.ints([0]), g.ints([2]), g.ints([1])]);
  const rb = g.op('Slice', [dist, g.ints([2]), g.ints([4]), g.ints([1])]);
  const x1y1 = g.op('Sub', [ax, lt]);
  const x2y2 = g.op('Add', [ax, rb]);
  const cxy = g.op('Mul', [g.op('Add', [x1y1, x2y2]), g.scalar(0.5)]);
  const wh = g.op('Sub', [x2y2, x1y1]);
  const boxes = g.op('Mul', [g.op('Concat', [cxy, wh], { axis: 1 }), g.init([1, 1, n], strides)]);
  g.op('Concat', [boxes, cls], { axis: 1 }, ['output0']);
  g.output('output0', [1, 4 + nc, n], FLOAT);
}

/**
 * A graph shaped like Ultralytics' YOLOv8n at 640 (same stages, channel widths, C2f/SPPF blocks, PAN neck,
 * decoupled head with DFL and the in-graph box decoding; about 3.2 M parameters, about 8.7 GFLOPs) with
 * seeded random weights. It detects nothing: it exists so `bench inference` can time a model run of a
 * realistic size where no trained weights can be downloaded. Class scores start near zero (the head's bias is
 * YOLOv8's prior, -log((1 - p) / p) for p = 0.01 / 80 per cell), so decoding and NMS see a realistic trickle of
 * candidates rather than 8400 of them.
 */
export function yolov8nShapedModel(seed = 8): Buffer {
  const g = new GraphBuilder();
  // The same seed gives the same weights, so the same model file.
  const blocks = layers(g, seededRandom(seed));
  const nc = 80;
  const features = backboneAndNeck(g, blocks, g.input('images', [1, 3, 640, 640]));
  decode(g, head(g, blocks, features, nc), nc);
  return g.encode(
    ultralyticsMetadata({
      description: 'Seamline YOLOv8n-shaped graph with random weights (bench inference: model run time only)',
      names: Array.from({ length: nc }, (_, i) => `class_${i}`),
      imgsz: [640, 640],
      stride: 32,
    }),
    'yolov8n_shaped',
  );
}
