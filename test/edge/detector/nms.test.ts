import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Candidates } from '../../../src/edge/detector/layouts/candidates.ts';
import { iouXywh, nms } from '../../../src/edge/detector/nms.ts';

function boxes(list: [number, number, number, number, number, number][]): Candidates {
  const c = new Candidates();
  for (const [x1, y1, x2, y2, s, cls] of list) c.push(x1, y1, x2, y2, s, cls);
  return c;
}

test('overlapping boxes of the same class: only the best survives', { timeout: 5_000 }, () => {
  const c = boxes([
    [10, 10, 50, 50, 0.6, 0],
    [12, 12, 52, 52, 0.9, 0], // IoU with the first 0.82
    [11, 9, 49, 51, 0.7, 0],
  ]);
  assert.deepEqual(nms(c, { iou: 0.45, maxDet: 300 }), [1]);
});

test('overlapping boxes of different classes both survive (class-aware)', { timeout: 5_000 }, () => {
  const c = boxes([
    [10, 10, 50, 50, 0.9, 0],
    [12, 12, 52, 52, 0.8, 1],
    [11, 11, 51, 51, 0.7, 0], // same class as the best: suppressed
  ]);
  assert.deepEqual(nms(c, { iou: 0.45, maxDet: 300 }), [0, 1]);
});

test('boxes overlapping less than the IoU threshold both survive; more than it, one does', { timeout: 5_000 }, () => {
  // Two 10x10 boxes offset by 5: IoU = 50 / 150 = 0.333.
  const c = boxes([
    [0, 0, 10, 10, 0.9, 0],
    [5, 0, 15, 10, 0.8, 0],
  ]);
  assert.equal(iouXywh([0, 0, 10, 10], [5, 0, 10, 10]).toFixed(3), '0.333');
  assert.deepEqual(nms(c, { iou: 0.45, maxDet: 300 }), [0, 1]);
  assert.deepEqual(nms(c, { iou: 0.3, maxDet: 300 }), [0]);
});

test('a suppressed box does not suppress others (greedy order by score)', { timeout: 5_000 }, () => {
  // B overlaps A and C; A suppresses B; C, which only B overlapped, survives.
  const c = boxes([
    [0, 0, 10, 10, 0.9, 0], // A
    [4, 0, 14, 10, 0.8, 0], // B: IoU 0.43 with A at iou 0.4 -> suppressed
    [8, 0, 18, 10, 0.7, 0], // C: IoU 0.11 with A, 0.43 with B
  ]);
  assert.deepEqual(nms(c, { iou: 0.4, maxDet: 300 }), [0, 2]);
});

test('max_det caps the boxes kept, best first', { timeout: 5_000 }, () => {
  const c = boxes(
    Array.from({ length: 20 }, (_, i) => [i * 20, 0, i * 20 + 10, 10, i / 20, 0] as [number, number, number, number, number, number]),
  );
  assert.deepEqual(nms(c, { iou: 0.45, maxDet: 3 }), [19, 18, 17]);
});
