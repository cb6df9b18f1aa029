import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSeamError } from '../../../src/contract/index.ts';
import { describeModel } from '../../../src/edge/detector/model-info.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { FLOAT, GraphBuilder, ultralyticsMetadata } from '../../../src/proof/models/onnx-builder.ts';
import { shippedModel } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-model-info-'));

/** A model with a [1, 4+2, 8] output and the given metadata, written to the temp dir. */
function modelWith(name: string, metadata: Record<string, string>, input: (number | string)[] = [1, 3, 32, 32], elemType = FLOAT): string {
  const g = new GraphBuilder();
  const images = g.input('images', input, elemType);
  const zero = g.op('Mul', [g.op('ReduceMean', [images], { keepdims: 0 }), g.scalar(0)]);
  g.op('Add', [g.init([1, 6, 8], new Array(48).fill(0)), zero], {}, ['output0']);
  g.output('output0', [1, 6, 8]);
  const path = join(dir, name);
  writeFileSync(path, g.encode(metadata));
  return path;
}

function modelError(path: string, ...parts: RegExp[]) {
  return (err: unknown) => {
    assert.ok(isSeamError(err, 'SEAM_ERR_MODEL'), `expected SEAM_ERR_MODEL, got ${String(err)}`);
    assert.equal(err.field, 'model');
    assert.ok(err.message.includes(path), `message names the file: ${err.message}`);
    for (const p of parts) assert.match(err.message, p);
    return true;
  };
}

test('Ultralytics metadata is read: names dict, imgsz [h, w], stride, task, layout', { timeout: 10_000 }, () => {
  const info = describeModel(shippedModel('seamline-conveyor.onnx'));
  assert.deepEqual(info.names, ['part', 'scratch', 'dent', 'crack', 'missing_screw', 'discoloration']);
  assert.deepEqual(info.input, { name: 'images', width: 640, height: 640, type: 'float32' });
  assert.deepEqual(info.output, { name: 'output0', type: 'float32' });
  assert.equal(info.stride, 8);
  assert.equal(info.task, 'detect');
  assert.equal(info.layout.name, 'yolov8');
  assert.equal(info.name, 'seamline-conveyor');
});

test('names with quotes and spaces, and a rectangular imgsz, as an Ultralytics export writes them', { timeout: 10_000 }, () => {
  const meta = ultralyticsMetadata({ description: 'x', names: ["kid's bike", 'Traffic Light'], imgsz: [32, 32], stride: 32 });
  const path = modelWith('quoted.onnx', { ...meta, imgsz: '[32, 48]' }, [1, 3, 'height', 'width']);
  const info = describeModel(path);
  assert.deepEqual(info.rawNames, ["kid's bike", 'Traffic Light']);
  assert.deepEqual(info.names, ['kid_s_bike', 'traffic_light']);
  assert.deepEqual(info.input, { name: 'images', width: 48, height: 32, type: 'float32' });
});

test('--labels overrides the names in the model, as lines or as a dict literal', { timeout: 10_000 }, () => {
  const lines = join(dir, 'labels.txt');
  writeFileSync(lines, '# classes\nwidget\n\ngadget\n');
  const dict = join(dir, 'labels.py');
  writeFileSync(dict, "{0: 'widget', 1: \"gadget's\"}");
  const path = modelWith('plain.onnx', ultralyticsMetadata({ description: 'x', names: ['a', 'b'], imgsz: [32, 32], stride: 32 }));
  assert.deepEqual(describeModel(path, { labelsPath: lines }).names, ['widget', 'gadget']);
  assert.deepEqual(describeModel(path, { labelsPath: dict }).rawNames, ['widget', "gadget's"]);
});

test('a labels file with the wrong number of names is refused naming both counts', { timeout: 10_000 }, () => {
  const labels = join(dir, 'three.txt');
  writeFileSync(labels, 'a\nb\nc\n');
  const path = modelWith('two.onnx', ultralyticsMetadata({ description: 'x', names: ['a', 'b'], imgsz: [32, 32], stride: 32 }));
  // With three names, [1, 6, 8] is no layout's shape for nc = 3: the error names the shape and the supported ones.
  assert.throws(
    () => describeModel(path, { labelsPath: labels }),
    modelError(path, /\[1, 6, 8\]/, /with 3 class names/, /supported: .*\[1, 4\+nc, N\]/),
  );
});

test('a float16 export is described as one; an input neither float32 nor float16 is refused naming its type', { timeout: 10_000 }, () => {
  const half = describeModel(shippedModel('layout-yolov5-half.onnx'));
  assert.deepEqual([half.input.type, half.output.type], ['float16', 'float16']);
  const meta = ultralyticsMetadata({ description: 'x', names: ['a', 'b'], imgsz: [32, 32], stride: 32 });
  const uint8 = modelWith('uint8-input.onnx', meta, [1, 3, 32, 32], 2);
  assert.throws(() => describeModel(uint8), modelError(uint8, /input "images" of element type 2; float32 or float16 expected/));
});

test('a segmentation model is refused: Seamline runs detection models only', { timeout: 10_000 }, () => {
  const path = modelWith('seg.onnx', {
    ...ultralyticsMetadata({ description: 'x', names: ['a', 'b'], imgsz: [32, 32], stride: 32 }),
    task: 'segment',
  });
  assert.throws(() => describeModel(path), modelError(path, /"segment" model/, /task=detect/));
});

test('a missing model fails naming the file', { timeout: 10_000 }, () => {
  const path = join(dir, 'nope.onnx');
  assert.throws(() => describeModel(path), modelError(path, /does not exist/));
});

test('a file that is not ONNX fails naming the file and the reason', { timeout: 10_000 }, () => {
  const path = join(dir, 'bad.onnx');
  writeFileSync(path, Buffer.from('this is a JPEG, honestly\n'.repeat(20)));
  assert.throws(() => describeModel(path), modelError(path, /is not an ONNX model/));
});

test('an unsupported output shape fails at start with the shape seen and the shapes supported, across the worker', {
  timeout: 30_000,
}, async () => {
  const path = shippedModel('layout-unsupported.onnx');
  await assert.rejects(
    OnnxDetector.open({ model: path }),
    modelError(path, /output "output0" of shape \[1, 3, 8, 8\]/, /\[1, N, 5\+nc\]/, /\[1, 4\+nc, N\]/, /\[1, K, 6\]/),
  );
});

test('a dynamic input with no imgsz metadata is refused', { timeout: 10_000 }, () => {
  const meta = ultralyticsMetadata({ description: 'x', names: ['a', 'b'], imgsz: [32, 32], stride: 32 });
  delete (meta as Record<string, string>).imgsz;
  const path = modelWith('dynamic.onnx', meta, ['batch', 3, 'h', 'w']);
  assert.throws(() => describeModel(path), modelError(path, /dynamic input size/, /fixed imgsz/));
});

test('an unknown --classes entry is a config error naming the classes the model has', { timeout: 30_000 }, async () => {
  await assert.rejects(OnnxDetector.open({ model: shippedModel('layout-yolov8.onnx'), classes: ['rust'] }), (err: unknown) => {
    assert.ok(isSeamError(err, 'SEAM_ERR_CONFIG'));
    assert.equal(err.field, 'classes');
    assert.match(err.message, /"rust" is not a class .* part, scratch, dent/);
    return true;
  });
});
