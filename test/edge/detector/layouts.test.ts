import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { greyFrame, shippedModel } from './support.ts';

// The fixtures (src/proof/models/layout-models.ts) emit these boxes in 64x64 model pixels whatever the image:
//   A  class 1 (scratch) 0.9, centre (32, 24) 16x8      B  class 0 (part) 0.8, centre (10, 14) 8x8
//   A2 class 1 0.7, centre (33, 24): IoU 0.88 with A    C  class 2 (dent) 0.6, centre (33, 25): overlaps A
//   D  class 0 0.2 (below conf)                         E  class 2 0.5, centre (60, 50) 12x12: off the edge
// A 128x96 frame letterboxes into 64x64 at scale 0.5 with 8 rows of padding on top (and 8 below), so model
// (x, y) is frame (2x, 2(y - 8)); E's right edge, 132, clips to the frame's 128.
const EXPECTED = [
  { class: 'scratch', class_id: 1, confidence: 0.9, bbox: [48, 24, 32, 16] },
  { class: 'part', class_id: 0, confidence: 0.8, bbox: [12, 4, 16, 16] },
  { class: 'dent', class_id: 2, confidence: 0.6, bbox: [50, 26, 32, 16] },
  { class: 'dent', class_id: 2, confidence: 0.5, bbox: [108, 72, 20, 24] },
];

for (const [file, layout] of [
  ['layout-yolov8.onnx', 'yolov8'],
  ['layout-yolov5.onnx', 'yolov5'],
  ['layout-end-to-end.onnx', 'end-to-end'],
] as const) {
  test(`the ${layout} layout decodes to the known boxes in frame pixels, NMS and clipping applied`, { timeout: 30_000 }, async () => {
    const detector = await OnnxDetector.open({ model: shippedModel(file) });
    try {
      assert.equal(detector.model.layout, layout);
      assert.deepEqual(detector.model.names, ['part', 'scratch', 'dent']);
      const { detections } = await detector.detect(greyFrame(128, 96));
      assert.deepEqual(detections, EXPECTED);
    } finally {
      await detector.close();
    }
  });
}

test('a float16 export (input and output halves) decodes to its known boxes, fed the frame as halves', { timeout: 30_000 }, async () => {
  const detector = await OnnxDetector.open({ model: shippedModel('layout-yolov5-half.onnx') });
  try {
    assert.equal(detector.model.layout, 'yolov5');
    const { detections } = await detector.detect(greyFrame(128, 96));
    // The fixed scores as the half output carries them (0.9 is 0.89990234 in half), and anchor 8: `part` at
    // model (48, 20) 8x8 -> frame (96, 24) 16x16, scored with the mean of the input the model was fed. The
    // 128-grey frame and its 114-grey letterbox rows as halves average 0.48822, which the half output rounds
    // to 0.48828: 0.4883 (float32 throughout would read 0.4882).
    const half = [
      { ...EXPECTED[0], confidence: 0.8999 },
      { ...EXPECTED[1], confidence: 0.7998 },
      { ...EXPECTED[2], confidence: 0.6001 },
      EXPECTED[3],
      { class: 'part', class_id: 0, confidence: 0.4883, bbox: [88, 16, 16, 16] },
    ];
    assert.deepEqual(detections, half);
  } finally {
    await detector.close();
  }
});

test('a class filter keeps only the classes asked for, by name or id', { timeout: 30_000 }, async () => {
  const detector = await OnnxDetector.open({ model: shippedModel('layout-yolov8.onnx'), classes: ['dent', 0] });
  try {
    const { detections } = await detector.detect(greyFrame(128, 96));
    assert.deepEqual(
      detections.map((d) => d.class),
      ['part', 'dent', 'dent'],
    );
  } finally {
    await detector.close();
  }
});

test('a higher confidence threshold drops the weaker boxes', { timeout: 30_000 }, async () => {
  const detector = await OnnxDetector.open({ model: shippedModel('layout-yolov5.onnx'), conf: 0.7 });
  try {
    const { detections } = await detector.detect(greyFrame(128, 96));
    assert.deepEqual(
      detections.map((d) => d.confidence),
      [0.9, 0.8],
    );
  } finally {
    await detector.close();
  }
});
