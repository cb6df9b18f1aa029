import { GraphBuilder, ultralyticsMetadata } from './onnx-builder.ts';
import { LAYOUT_IMGSZ, LAYOUT_NAMES } from './layout-models.ts';

/**
 * A deliberately slow model: `matmuls` products of 1024 x 1024 matrices that depend on the input image (so
 * onnxruntime cannot fold them away at load time), then one fixed box in the end-to-end layout. Each product
 * is about a billion multiply-adds; with one intra-op thread a run takes hundreds of milliseconds, which is
 * what the test that watches the main thread's event loop during a model run needs. Thirty, because ten took
 * about 100 ms on an idle 2-core machine: too short to tell a stall from the scheduler (the test asks 150 ms).
 */
export function slowModel(matmuls = 30, size = 1024): Buffer {
  const g = new GraphBuilder();
  const images = g.input('images', [1, 3, LAYOUT_IMGSZ, LAYOUT_IMGSZ]);
  const mean = g.op('ReduceMean', [images], { keepdims: 0 });
  const base = g.op('ConstantOfShape', [g.ints([size, size])], { value: { tensor: { dims: [1], values: [0.002] } } });
  let m = g.op('Add', [base, g.op('Mul', [mean, g.scalar(1e-6)])]);
  for (let i = 0; i < matmuls; i++) m = g.op('MatMul', [m, base]);
  const zero = g.op('Mul', [g.op('ReduceMean', [m], { keepdims: 0 }), g.scalar(0)]);
  const box = g.init([1, 1, 6], [8, 8, 24, 24, 0.9, 0]);
  g.op('Add', [box, zero], {}, ['output0']);
  g.output('output0', [1, 1, 6]);
  return g.encode(
    ultralyticsMetadata({
      description: 'Seamline slow model (test fixture)',
      names: LAYOUT_NAMES,
      imgsz: [LAYOUT_IMGSZ, LAYOUT_IMGSZ],
      stride: 32,
      extra: { end2end: 'True' },
    }),
  );
}
