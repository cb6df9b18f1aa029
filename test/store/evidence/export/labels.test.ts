/** The label math of the YOLO export (src/store/evidence/export/labels.ts): normalising, clamping, class ids. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvidenceV1 } from '../../../../src/contract/index.ts';
import { classMap, denormalise, labelFile, labelLine, normalise } from '../../../../src/store/evidence/export/labels.ts';

const frame = { width: 1280, height: 720 };

function header(detections: EvidenceV1['detections'], over: Partial<EvidenceV1> = {}): EvidenceV1 {
  return {
    schema_version: 'evidence.v1',
    event_id: '01890000-0000-7000-8000-000000000000',
    region: 'eu',
    site: 'p1',
    camera: 'c1',
    seq: 0,
    captured_at: '2026-12-01T00:00:00.000Z',
    frame,
    detections,
    image: { content_type: 'image/jpeg', width: 640, height: 360, bytes: 4, sha256: '0'.repeat(64) },
    masked: false,
    ...over,
  };
}
const box = (cls: string, id: number, bbox: number[], confidence = 0.9) => ({ class: cls, class_id: id, confidence, bbox });

test('a box in the middle: centre and size as fractions of the frame, six decimals', () => {
  assert.equal(labelLine(2, [320, 180, 640, 360], frame), '2 0.500000 0.500000 0.500000 0.500000');
  assert.equal(
    labelLine(0, [100, 50, 30, 20], frame),
    `0 ${(115 / 1280).toFixed(6)} ${(60 / 720).toFixed(6)} ${(30 / 1280).toFixed(6)} ${(20 / 720).toFixed(6)}`,
  );
});

test('a box at the corners of the frame stays exactly inside [0, 1]', () => {
  assert.equal(labelLine(1, [0, 0, 64, 36], frame), '1 0.025000 0.025000 0.050000 0.050000');
  assert.equal(labelLine(1, [1216, 684, 64, 36], frame), '1 0.975000 0.975000 0.050000 0.050000');
  assert.equal(labelLine(1, [0, 0, 1280, 720], frame), '1 0.500000 0.500000 1.000000 1.000000');
});

test('a box reaching past the frame is cut at its edge; one wholly outside has no line', () => {
  // 40 px of it past the right edge and 20 px past the bottom: what is left is 1240..1280 x 700..720.
  assert.deepEqual(normalise([1240, 700, 80, 40], frame), { cx: 1260 / 1280, cy: 710 / 720, w: 40 / 1280, h: 20 / 720 });
  for (const v of labelLine(0, [1240, 700, 80, 40], frame)!.split(' ').slice(1).map(Number)) assert.ok(v >= 0 && v <= 1);
  assert.equal(labelLine(0, [1300, 10, 50, 50], frame), null);
  assert.equal(labelLine(0, [10, 10, 0, 50], frame), null, 'no width left');
});

test('normalised by the frame, so a downscaled image gets the same line, and the line maps onto its pixels', () => {
  const h = header([box('crack', 0, [412, 188, 64, 30])]);
  const { text } = labelFile(h, classMap([h], new Set(['crack'])));
  // The stored image is 640x360, half the frame: the box covers 206..238 x 94..109 of it.
  const [, cx, cy, w, hh] = text.trim().split(' ').map(Number);
  assert.ok(Math.abs((cx - w / 2) * 640 - 206) < 1e-3 && Math.abs(w * 640 - 32) < 1e-3);
  assert.ok(Math.abs((cy - hh / 2) * 360 - 94) < 1e-3 && Math.abs(hh * 360 - 15) < 1e-3);
  const back = denormalise(text, frame);
  back.bbox.forEach((v, i) => assert.ok(Math.abs(v - [412, 188, 64, 30][i]) <= 1e-6 * 1280, `${v}`));
});

test("class ids: the model's when every box agrees, gaps named; sorted names when they disagree", () => {
  const a = header([box('part', 0, [0, 0, 10, 10]), box('crack', 2, [5, 5, 10, 10])]);
  const byModel = classMap([a], new Set(['crack']));
  assert.deepEqual(byModel.names, ['part', 'class_1', 'crack']);
  assert.equal(byModel.source, 'model');
  assert.equal(labelFile(a, byModel).text, `${labelLine(2, [5, 5, 10, 10], frame)}\n`, 'only the exported class');

  const b = header([box('crack', 0, [5, 5, 10, 10]), box('dent', 1, [1, 1, 4, 4])]);
  const sorted = classMap([a, b], new Set(['crack', 'dent']));
  assert.equal(sorted.source, 'sorted');
  assert.deepEqual(sorted.names, ['crack', 'dent']);
  assert.deepEqual(
    labelFile(b, sorted)
      .text.trim()
      .split('\n')
      .map((l) => l.split(' ')[0]),
    ['0', '1'],
  );
});

test('a label file lists every box of the exported classes, whatever its confidence, and counts those outside the frame', () => {
  const h = header([box('crack', 0, [0, 0, 10, 10], 0.3), box('crack', 0, [20, 20, 10, 10], 0.95), box('crack', 0, [2000, 0, 5, 5])]);
  const file = labelFile(h, classMap([h], new Set(['crack'])));
  assert.equal(file.lines, 2);
  assert.equal(file.outside, 1);
});
