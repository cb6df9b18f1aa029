import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { decodeEvidence, evidenceTopic, type Detection } from '../../../src/contract/index.ts';
import { CameraPipeline } from '../../../src/edge/camera-pipeline.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import type { CapturePolicyOptions } from '../../../src/edge/evidence/policy.ts';
import type { EvidenceMeta } from '../../../src/edge/evidence/sink.ts';
import { pixelPoolStats, resetPixelPeak } from '../../../src/edge/frames/frame-pool.ts';
import { SyntheticSource } from '../../../src/edge/frames/synthetic-source.ts';
import { shippedModel } from '../detector/support.ts';
import { decodeJpeg, meanDifference } from './frames.ts';

const camera = { region: 'eu', site: 'plant-1', camera: 'conveyor-1' };
/** Seed 17 shows only parts for 23 frames, then crack, discoloration and scratch (frames 23, 24, 33). */
const SEED = 17;
let detector: OnnxDetector;
before(async () => {
  detector = await OnnxDetector.open({ model: shippedModel('seamline-conveyor.onnx') });
});
after(() => detector.close());

interface Run {
  offered: { payload: Buffer; meta: EvidenceMeta }[];
  /** What the bridge stand-in answered, by event_id, and the frame each event came from. */
  issued: Map<string, { seq: number; captured_at: string }>;
  /** Each inferred frame's index, capture time and detections, in order. */
  frames: { index: number; capturedAt: number; detections: Detection[] }[];
  stats: ReturnType<CameraPipeline['stats']>;
}

/** 40 synthetic conveyor frames through the real model, a bridge stand-in that answers like `bridge.accept`, and a memory sink. */
async function runPipeline(
  policy: CapturePolicyOptions,
  source = new SyntheticSource({ frames: 40, seed: SEED }),
  maxWaiting = 40,
): Promise<Run> {
  const run: Run = { offered: [], issued: new Map(), frames: [], stats: undefined as never };
  let seq = 0;
  const pipeline = new CameraPipeline({
    source,
    detector,
    camera: camera.camera,
    sink: async (input) => {
      const answer = { event_id: uuidv7(), seq: seq++ };
      run.issued.set(answer.event_id, { seq: answer.seq, captured_at: input.captured_at });
      return answer;
    },
    maxWaiting,
    onResult: (frame, result) => run.frames.push({ index: frame.index, capturedAt: frame.capturedAt, detections: result.detections }),
    // Room for every kept frame at once, so none is counted busy and the count is the policy's alone.
    evidence: { camera, sink: { offer: (payload, meta) => void run.offered.push({ payload, meta }) }, maxInFlight: 64, ...policy },
  });
  await pipeline.start();
  await pipeline.done;
  run.stats = pipeline.stats();
  await pipeline.stop();
  return run;
}

/**
 * Every offered payload decodes, belongs to an event the bridge stand-in issued, and carries that event's seq
 * and time; its picture is its own frame (rendered again by index), not a recycled buffer's later contents.
 */
async function checkOffered(run: Run): Promise<void> {
  const ids = new Set<string>();
  const renderer = new SyntheticSource({ seed: SEED });
  for (const { payload, meta } of run.offered) {
    const decoded = decodeEvidence(evidenceTopic(camera), payload);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
    const { header } = decoded.evidence;
    const event = run.issued.get(header.event_id);
    assert.ok(event, `event_id ${header.event_id} was issued by the bridge`);
    assert.deepEqual([header.seq, header.captured_at], [event.seq, event.captured_at]);
    assert.deepEqual([header.image.width, header.image.height, header.frame.width], [1280, 720, 1280]);
    assert.deepEqual(meta, { event_id: header.event_id, camera: 'conveyor-1', bytes: payload.byteLength });
    ids.add(header.event_id);
    const frame = run.frames.find((f) => new Date(f.capturedAt).toISOString() === header.captured_at);
    assert.ok(frame, `a frame captured at ${header.captured_at}`);
    const diff = meanDifference((await decodeJpeg(decoded.evidence.image)).rgb, renderer.render(frame.index).pixels);
    assert.ok(diff < 3, `frame ${frame.index}: mean difference ${diff.toFixed(2)} from its own pixels`);
  }
  assert.equal(ids.size, run.offered.length, 'one image per event');
}

const qualifies = (d: Detection, exclude: string[]) => d.confidence >= 0.5 && !exclude.includes(d.class);

test('intervalSeconds 0: every frame with a qualifying box (not `part`, confidence >= 0.5) is captured, exactly', {
  timeout: 60_000,
}, async (t) => {
  const run = await runPipeline({ intervalSeconds: 0, exclude: ['part'] });
  assert.equal(run.stats.frames_inferred, 40);
  const expected = run.frames.filter((f) => f.detections.some((d) => qualifies(d, ['part']))).length;
  assert.ok(expected >= 10, `${expected} frames show a defect`);
  t.diagnostic(`${expected} of 40 frames show a defect; captured ${run.offered.length}`);
  assert.equal(run.offered.length, expected);
  assert.deepEqual(run.stats.evidence, {
    captured: expected,
    skipped_by_policy: 40 - expected,
    busy: 0,
    not_accepted: 0,
    refused: 0,
    encode_errors: 0,
  });
  await checkOffered(run);
});

test('default policy: within a few seconds, one image per class, on the frame where the class first shows', {
  timeout: 60_000,
}, async (t) => {
  const run = await runPipeline({});
  const seen = new Set<string>();
  let expected = 0;
  for (const f of run.frames) {
    const fresh = f.detections.filter((d) => qualifies(d, []) && !seen.has(d.class));
    if (fresh.length > 0) expected++;
    for (const d of f.detections) if (qualifies(d, [])) seen.add(d.class);
  }
  const span = run.frames.at(-1)!.capturedAt - run.frames[0].capturedAt;
  assert.ok(span < 30_000, `the 40 frames span ${span} ms: shorter than a burst gap, so no class starts a second burst`);
  assert.ok(seen.size >= 3, `classes seen: ${[...seen].join(', ')}`);
  t.diagnostic(`classes ${[...seen].join(', ')}; expected ${expected} images, captured ${run.offered.length}`);
  assert.equal(run.offered.length, expected);
  assert.equal(run.stats.evidence?.captured, expected);
  assert.equal(run.stats.evidence?.skipped_by_policy, 40 - expected);
  await checkOffered(run);
});

test("capture on: every frame's pixels go back to the pool, so a steady camera allocates only what it holds at once", {
  timeout: 60_000,
}, async (t) => {
  resetPixelPeak();
  const before = pixelPoolStats();
  // The production default of one waiting frame: the frames alive at once are then the one in the model, the one
  // waiting and each image being encoded, however slow a loaded machine makes the model (it skips frames instead).
  const run = await runPipeline({}, new SyntheticSource({ frames: 60, seed: SEED, fps: 30 }), 1);
  const after = pixelPoolStats();
  const allocated = after.allocated - before.allocated;
  // Out at once by this run (the test's own renders before it keep theirs).
  const peak = after.peak - before.outstanding;
  const overBound = after.returned - before.returned - (after.recycled - before.recycled);
  t.diagnostic(
    `60 frames, ${run.offered.length} images: ${allocated} allocated, ${after.reused - before.reused} reused, at most ${peak} out at once`,
  );
  assert.equal(run.stats.frames_inferred + run.stats.frames_skipped, 60);
  assert.equal(after.allocated + after.reused - (before.allocated + before.reused), 60, 'one buffer taken per frame');
  assert.equal(after.outstanding, before.outstanding, 'every buffer taken came back (skipped, inferred, encoded)');
  assert.ok(peak <= 2 + run.offered.length, `${peak} out at once: more than the model's, the waiting one and the images`);
  assert.ok(allocated <= peak + overBound, `${allocated} allocated with at most ${peak} out at once and ${overBound} over the bound`);
});

test("evidence.camera must be the events' camera", { timeout: 10_000 }, () => {
  assert.throws(
    () =>
      new CameraPipeline({
        source: new SyntheticSource({ frames: 1 }),
        detector,
        camera: 'other',
        sink: async () => undefined,
        evidence: { camera, sink: { offer: () => undefined } },
      }),
    (err: { code?: string; field?: string }) => err.code === 'SEAM_ERR_CONFIG' && err.field === 'evidence.camera',
  );
});

test("the detector hands the frame's pixels back unchanged only when asked", { timeout: 20_000 }, async () => {
  const source = new SyntheticSource({ seed: SEED });
  const expected = Buffer.from(source.render(30).pixels);
  const asked = await detector.detect(source.render(30), { returnPixels: true });
  assert.ok(asked.pixels?.equals(expected), 'the same bytes back');
  assert.equal(asked.pixels?.byteOffset, 0);
  assert.equal(asked.pixels?.buffer.byteLength, expected.byteLength, 'a whole ArrayBuffer, so it can be recycled');
  const plain = await detector.detect(source.render(30));
  assert.equal(plain.pixels, undefined, 'not asked: the detector recycled it');
});
