import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileClock, LiveClock } from '../../../src/edge/frames/capture-clock.ts';

test('FileClock stamps anchor + PTS, floored, and never after the read', { timeout: 5_000 }, () => {
  const clock = new FileClock(1_000_000);
  assert.equal(clock.stamp(0.0333667, 2_000_000), 1_000_033);
  assert.equal(clock.stamp(5, 1_004_000), 1_004_000, 'clamped to the read');
  assert.equal(clock.stamp(NaN, 1_500_000), 1_500_000, 'no PTS: the read time');
});

test("LiveClock follows the stream's own steps and anchors on the frame that came with the least delay", { timeout: 5_000 }, () => {
  const clock = new LiveClock(1_000);
  // 25 fps; read delays (ms) after each frame's capture at 10_000 + 40k: 300 (slow start), 120, 80, 90, 150, 80.
  const delays = [300, 120, 80, 90, 150, 80];
  const stamps = delays.map((d, k) => clock.stamp(k * 0.04, 10_000 + k * 40 + d));
  // Each stamp is the read time until the least delay so far (80 ms) is found; from then on the stream's steps.
  assert.deepEqual(stamps, [10_300, 10_160, 10_160, 10_200, 10_240, 10_280]);
  stamps.forEach((s, k) => assert.ok(s <= 10_000 + k * 40 + delays[k]));
  assert.equal(clock.reanchors, 0);
});

test('LiveClock re-anchors when its stamp would lag the read by more than maxLagMs (drift, a PTS jump)', { timeout: 5_000 }, () => {
  const clock = new LiveClock(1_000);
  assert.equal(clock.stamp(100, 500_000), 500_000);
  // The camera's clock runs slow: 1.5 s behind ours after 60 s.
  assert.equal(clock.stamp(160, 561_500), 561_500);
  assert.equal(clock.reanchors, 1);
  // Within the bound: no move, the lag shows.
  assert.equal(clock.stamp(161, 563_400), 562_500);
  // PTS jumps back (a restarted encoder): re-anchored at once, never a stamp in the past by more than the bound.
  assert.equal(clock.stamp(0.04, 563_500), 563_500);
  assert.equal(clock.reanchors, 2);
});
