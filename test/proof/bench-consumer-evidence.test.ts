/**
 * `seamline bench consumer --evidence-rate`: images beside the events, each of an event of the run, all stored,
 * verified and linked; the pair without images runs in the same rounds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvidence, decodeMessage } from '../../src/contract/index.ts';
import { runConsumerBench } from '../../src/proof/bench/consumer/consumer-bench.ts';
import { eventPayload } from '../../src/proof/bench/event-payload.ts';
import { evidenceFor, makeBenchJpeg } from '../../src/proof/bench/evidence-image.ts';

test("the bench's image is a camera-sized JPEG, and its message is a valid evidence.v1 of the event it names", async () => {
  const jpeg = await makeBenchJpeg();
  assert.ok(jpeg.byteLength >= 60_000 && jpeg.byteLength <= 150_000, `a realistic size (${jpeg.byteLength} bytes)`);
  const event = eventPayload(3, 42, Date.now());
  const { topic, payload } = evidenceFor(event.payload, jpeg);
  const decoded = decodeEvidence(topic, payload);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  const e = decodeMessage(event.topic, Buffer.from(event.payload));
  assert.ok(e.ok && e.kind === 'detection');
  assert.equal(decoded.evidence.header.event_id, e.message.event_id);
  assert.equal(decoded.evidence.header.seq, 42);
  assert.equal(decoded.evidence.header.camera, 'cam-3');
  assert.deepEqual(decoded.evidence.header.detections, e.message.detections);
});

test('bench consumer with images: every image published is stored, digest-checked and linked to a stored event', {
  timeout: 120_000,
}, async () => {
  const r = await runConsumerBench({ events: 5_000, rounds: 1, lagRate: 1_000, lagSeconds: 2, evidenceRate: 20, progress: () => {} });
  assert.equal(r.evidence_rate, 20);
  // Both runs of the round, the warm-up, the profiled run (with images, as the paced phase after it) and the paced phase.
  assert.equal(r.stored, 4 * 5_000 + 2_000, 'every run and the paced phase stored every event');
  assert.equal(r.published, r.stored);
  assert.ok(r.images_published! > 0, 'images flowed');
  assert.equal(r.images_stored, r.images_published, JSON.stringify(r));
  assert.equal(r.images_unlinked, 0);
  assert.equal(r.images_bad_digest, 0);
  assert.ok(r.ratio > 0 && r.without_evidence!.ratio > 0);
  assert.equal(r.ratio_by_round.length, 1);
  assert.equal(r.without_evidence!.ratio_by_round.length, 1);
});
