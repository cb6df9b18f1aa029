import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../../../src/contract/index.ts';
import { keptRegions } from '../../../src/edge/evidence/mask.ts';

const box = (bbox: [number, number, number, number]): Detection => ({ class: 'dent', class_id: 2, confidence: 0.9, bbox });
const frame = { width: 1920, height: 1080 };

test("crop margin: 10% of the box's width and height, at least 16 frame pixels, per side", { timeout: 5_000 }, () => {
  // 50 wide: 10% is 5, so 16; 300 high: 10% is 30.
  assert.deepEqual(keptRegions([box([100, 100, 50, 300])], frame, frame), [{ left: 84, top: 70, right: 166, bottom: 430 }]);
  // 400 x 200: 40 and 20.
  assert.deepEqual(keptRegions([box([500, 500, 400, 200])], frame, frame), [{ left: 460, top: 480, right: 940, bottom: 720 }]);
});

test('regions are scaled to the image, widened to whole pixels and clipped to it', { timeout: 5_000 }, () => {
  const image = { width: 1280, height: 720 };
  // Scale 2/3: [84, 70, 166, 430] -> [56, 46.67, 110.67, 286.67] -> floor / ceil.
  assert.deepEqual(keptRegions([box([100, 100, 50, 300])], frame, image), [{ left: 56, top: 46, right: 111, bottom: 287 }]);
  assert.deepEqual(keptRegions([box([1900, 1060, 100, 100])], frame, image), [{ left: 1256, top: 696, right: 1280, bottom: 720 }]);
  assert.deepEqual(keptRegions([box([5000, 5000, 10, 10])], frame, image), [], 'a box past the frame keeps nothing');
});

test('custom margins: none at all keeps exactly the box', { timeout: 5_000 }, () => {
  assert.deepEqual(keptRegions([box([10, 20, 30, 40])], frame, frame, { fraction: 0, minPixels: 0 }), [
    { left: 10, top: 20, right: 40, bottom: 60 },
  ]);
});
