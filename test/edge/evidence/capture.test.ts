import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvidence, evidenceTopic, type Detection } from '../../../src/contract/index.ts';
import { EvidenceCapture, type EvidenceCaptureOptions } from '../../../src/edge/evidence/capture.ts';
import type { EvidenceMeta, EvidenceSink } from '../../../src/edge/evidence/sink.ts';
import { conveyorFrame } from './frames.ts';

const camera = { region: 'eu', site: 'plant-1', camera: 'line-3' };
const scratch: Detection[] = [{ class: 'scratch', class_id: 1, confidence: 0.9, bbox: [100, 100, 80, 60] }];
const eventId = (n: number) => `0193a4f2-7b1c-7c3d-8e4f-${String(n).padStart(12, '0')}`;

/** An in-memory sink: what was offered, in order. */
function memorySink(): EvidenceSink & { offered: { payload: Buffer; meta: EvidenceMeta }[] } {
  const offered: { payload: Buffer; meta: EvidenceMeta }[] = [];
  return { offered, offer: (payload, meta) => void offered.push({ payload, meta }) };
}

const capture = (options: Partial<EvidenceCaptureOptions> = {}) => {
  const sink = memorySink();
  return { sink, capture: new EvidenceCapture({ camera, sink, intervalSeconds: 0, ...options }) };
};

test("a kept frame whose event was accepted is encoded and offered once, with the bridge's event_id", { timeout: 20_000 }, async () => {
  const { sink, capture: c } = capture();
  const frame = conveyorFrame(1280, 720);
  const kept = c.keep(frame, scratch, { name: 'yolo11n-scratches', version: 'v3' });
  assert.ok(kept);
  c.capture(kept, frame, Promise.resolve({ event_id: eventId(7), seq: 7 }));
  await c.idle();
  assert.equal(sink.offered.length, 1);
  const [{ payload, meta }] = sink.offered;
  assert.deepEqual(meta, { event_id: eventId(7), camera: 'line-3', bytes: payload.byteLength });
  const decoded = decodeEvidence(evidenceTopic(camera), payload);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  assert.deepEqual(
    [decoded.evidence.header.seq, decoded.evidence.header.captured_at, decoded.evidence.header.frame],
    [7, '2026-12-06T13:00:00.000Z', { width: 1280, height: 720 }],
  );
  assert.deepEqual(decoded.evidence.header.model, { name: 'yolo11n-scratches', version: 'v3' }, "the event's model travels with its image");
  assert.deepEqual(c.stats(), { captured: 1, skipped_by_policy: 0, busy: 0, not_accepted: 0, refused: 0, encode_errors: 0 });
});

test('frames the policy does not keep are counted and never encoded', { timeout: 20_000 }, async () => {
  const { sink, capture: c } = capture({ intervalSeconds: 60 });
  const frame = conveyorFrame(320, 240);
  assert.equal(c.keep(frame, []), undefined);
  assert.equal(c.keep(frame, [{ ...scratch[0], confidence: 0.2 }]), undefined);
  assert.ok(c.keep(frame, scratch));
  assert.equal(c.keep(frame, scratch), undefined, 'inside the interval');
  await c.idle();
  assert.equal(sink.offered.length, 0, 'kept but never handed pixels: nothing offered');
  assert.equal(c.stats().skipped_by_policy, 3);
});

test('an image over the cap is refused and counted, never offered', { timeout: 20_000 }, async () => {
  const { sink, capture: c } = capture({ maxImageBytes: 5_000, maxInFlight: 3 });
  for (let i = 0; i < 3; i++) {
    const frame = conveyorFrame(1280, 720, 30 + i);
    c.capture(c.keep({ ...frame, capturedAt: frame.capturedAt + i }, scratch)!, frame, Promise.resolve({ event_id: eventId(i), seq: i }));
  }
  await c.idle();
  assert.equal(sink.offered.length, 0);
  assert.deepEqual([c.stats().refused, c.stats().captured], [3, 0]);
});

test('no event, no image: a refused accept is counted not_accepted', { timeout: 20_000 }, async () => {
  const { sink, capture: c } = capture();
  const frame = conveyorFrame(320, 240);
  c.capture(c.keep(frame, scratch)!, frame, Promise.reject(new Error('outbox full')));
  const other = conveyorFrame(320, 240);
  c.capture(c.keep(other, scratch)!, other, Promise.resolve(undefined));
  await c.idle();
  assert.equal(sink.offered.length, 0);
  assert.equal(c.stats().not_accepted, 2);
});

test('bad pixels and a sink that throws are counted as encode_errors; the capture goes on', { timeout: 20_000 }, async () => {
  const throwing: EvidenceSink = {
    offer: () => {
      throw new Error('queue bug');
    },
  };
  const c = new EvidenceCapture({ camera, sink: throwing, intervalSeconds: 0 });
  const frame = conveyorFrame(320, 240);
  const cut = { ...frame, pixels: frame.pixels.subarray(0, 100) };
  c.capture(c.keep(cut, scratch)!, cut, Promise.resolve({ event_id: eventId(1), seq: 1 }));
  c.capture(c.keep(frame, scratch)!, frame, Promise.resolve({ event_id: eventId(2), seq: 2 }));
  await c.idle();
  assert.deepEqual([c.stats().encode_errors, c.stats().captured], [2, 0]);
});

test('at most maxInFlight frames are held; a kept frame past it is counted busy and its class stays due', { timeout: 20_000 }, async () => {
  const { sink, capture: c } = capture({ maxInFlight: 1, intervalSeconds: 60 });
  const frame = conveyorFrame(320, 240);
  let accept!: (v: unknown) => void;
  c.capture(c.keep(frame, scratch)!, frame, new Promise((r) => (accept = r)));
  const later = { ...conveyorFrame(320, 240), capturedAt: frame.capturedAt + 61_000 };
  assert.equal(c.keep(later, scratch), undefined, 'busy: the first is still waiting for its accept');
  assert.equal(c.stats().busy, 1);
  accept({ event_id: eventId(1), seq: 1 });
  await c.idle();
  const next = { ...later, capturedAt: later.capturedAt + 1000 };
  assert.ok(c.keep(next, scratch), 'the busy frame was not marked captured: the next one is due');
  assert.equal(sink.offered.length, 1);
  assert.throws(
    () => new EvidenceCapture({ camera, sink, maxInFlight: 0 }),
    (err: { code?: string; field?: string }) => err.code === 'SEAM_ERR_CONFIG' && err.field === 'evidence.maxInFlight',
  );
});
