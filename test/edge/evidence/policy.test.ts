import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../../../src/contract/index.ts';
import { CapturePolicy, type CapturePolicyOptions } from '../../../src/edge/evidence/policy.ts';

const box = (cls: string, confidence = 0.9): Detection => ({ class: cls, class_id: 0, confidence, bbox: [1, 2, 3, 4] });

/**
 * Runs a policy over a timeline of frames on a fake clock (seconds) and returns the times of the frames it
 * captured; every frame it says to capture is marked captured, as the pipeline does.
 */
function run(options: CapturePolicyOptions, frames: [number, Detection[]][], camera = 'cam-1'): number[] {
  const policy = new CapturePolicy(options);
  const captured: number[] = [];
  for (const [seconds, detections] of frames) {
    const at = 1_700_000_000_000 + seconds * 1000;
    const d = policy.decide(camera, detections, at);
    if (d.capture) {
      policy.markCaptured(camera, d, at);
      captured.push(seconds);
    }
  }
  return captured;
}

/** One frame a second from `from` to `to` inclusive, each showing `detections`. */
const steady = (from: number, to: number, detections: Detection[]): [number, Detection[]][] =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, detections]);

test('defaults: one image a minute per class while the class stays in view', { timeout: 5_000 }, () => {
  assert.deepEqual(run({}, steady(0, 180, [box('scratch')])), [0, 60, 120, 180]);
});

test('a frame with no detection, or only low-confidence ones, is never captured', { timeout: 5_000 }, () => {
  assert.deepEqual(
    run({}, [
      [0, []],
      [1, [box('scratch', 0.49)]],
      [2, [box('scratch', 0.5)]],
    ]),
    [2],
  );
  assert.deepEqual(
    run({ minConfidence: 0.9 }, [
      [0, [box('dent', 0.85)]],
      [1, [box('dent', 0.95)]],
    ]),
    [1],
  );
});

test('classes limits capture to the named classes; exclude wins over classes', { timeout: 5_000 }, () => {
  const frames: [number, Detection[]][] = [
    [0, [box('part')]],
    [1, [box('dent')]],
    [2, [box('scratch')]],
  ];
  assert.deepEqual(run({ classes: ['scratch'] }, frames), [2]);
  assert.deepEqual(run({ exclude: ['part'] }, frames), [1, 2]);
  assert.deepEqual(run({ classes: ['scratch', 'part'], exclude: ['part'] }, frames), [2]);
});

test("the rate limit is per class: a second class is captured inside the first one's interval", { timeout: 5_000 }, () => {
  const frames: [number, Detection[]][] = [...steady(0, 9, [box('scratch')]), ...steady(10, 20, [box('scratch'), box('dent')])];
  assert.deepEqual(run({}, frames), [0, 10]);
});

test('a captured frame restarts the interval of every class it shows', { timeout: 5_000 }, () => {
  // scratch and dent together at 0, dent alone after: dent's next image is due at 60, not before.
  assert.deepEqual(run({}, [[0, [box('scratch'), box('dent')]], ...steady(1, 61, [box('dent')])]), [0, 60]);
});

test('the rate limit is per camera', { timeout: 5_000 }, () => {
  const policy = new CapturePolicy();
  const at = 1_700_000_000_000;
  for (const camera of ['cam-1', 'cam-2']) {
    const d = policy.decide(camera, [box('scratch')], at);
    assert.equal(d.capture, true, camera);
    policy.markCaptured(camera, d, at);
  }
  assert.equal(policy.decide('cam-1', [box('scratch')], at + 1000).capture, false);
});

test('a class back after burstGapSeconds starts a burst: its first frame is captured inside the interval', { timeout: 5_000 }, () => {
  const frames: [number, Detection[]][] = [
    ...steady(0, 5, [box('scratch')]),
    // absent 5 -> 36: a gap of 31 s > 30 s: a new burst at 36, captured although 36 < 60.
    ...steady(36, 40, [box('scratch')]),
    // absent 40 -> 70: exactly 30 s is not more than the gap: no new burst; the interval (from 36) is due at 96.
    ...steady(70, 100, [box('scratch')]),
  ];
  assert.deepEqual(run({}, frames, 'cam-1'), [0, 36, 96]);
  assert.deepEqual(
    run({ burstGapSeconds: 10 }, frames),
    [0, 36, 70],
    'a shorter gap makes 40 -> 70 a burst too (and the interval runs from 70)',
  );
});

test('a burst the caller did not capture stays due for its next frame', { timeout: 5_000 }, () => {
  const policy = new CapturePolicy();
  const t0 = 1_700_000_000_000;
  policy.markCaptured('c', policy.decide('c', [box('scratch')], t0), t0);
  const burst = policy.decide('c', [box('scratch')], t0 + 40_000);
  assert.deepEqual([burst.capture, burst.reason], [true, 'burst']);
  // Not marked (the pipeline was busy): the next frame of the burst is still its first captured one.
  const next = policy.decide('c', [box('scratch')], t0 + 41_000);
  assert.deepEqual([next.capture, next.reason], [true, 'burst']);
  policy.markCaptured('c', next, t0 + 41_000);
  assert.equal(policy.decide('c', [box('scratch')], t0 + 42_000).capture, false);
});

test('intervalSeconds 0 captures every qualifying frame', { timeout: 5_000 }, () => {
  assert.deepEqual(run({ intervalSeconds: 0 }, steady(0, 4, [box('burr')])), [0, 1, 2, 3, 4]);
});

test('memory holds at most maxTracked (camera, class) pairs, forgetting the one seen least recently', { timeout: 5_000 }, () => {
  const policy = new CapturePolicy({ maxTracked: 3 });
  const at = 1_700_000_000_000;
  for (let i = 0; i < 100; i++) policy.decide(`cam-${i}`, [box('scratch'), box('dent')], at + i);
  assert.equal(policy.tracked, 3);
  const many = new CapturePolicy();
  for (let i = 0; i < 10_000; i++) many.decide('cam', [box(`c${i}`)], at);
  assert.equal(many.tracked, 4096, 'the default bound');
});

test('bad options are SEAM_ERR_CONFIG naming the option', { timeout: 5_000 }, () => {
  const cases: [CapturePolicyOptions, string][] = [
    [{ minConfidence: 1.5 }, 'evidence.minConfidence'],
    [{ minConfidence: Number.NaN }, 'evidence.minConfidence'],
    [{ intervalSeconds: -1 }, 'evidence.intervalSeconds'],
    [{ burstGapSeconds: Number.POSITIVE_INFINITY }, 'evidence.burstGapSeconds'],
    [{ maxTracked: 0 }, 'evidence.maxTracked'],
    [{ classes: 'scratch' as unknown as string[] }, 'evidence.classes'],
    [{ exclude: [''] }, 'evidence.exclude'],
  ];
  for (const [options, field] of cases) {
    assert.throws(
      () => new CapturePolicy(options),
      (err: { code?: string; field?: string }) => err.code === 'SEAM_ERR_CONFIG' && err.field === field,
      field,
    );
  }
});
