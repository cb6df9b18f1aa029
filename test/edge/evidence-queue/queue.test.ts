import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isSeamError } from '../../../src/contract/index.ts';
import { checkOffer } from '../../../src/edge/evidence-queue/offer-check.ts';
import { EvidenceQueue } from '../../../src/edge/evidence-queue/queue.ts';
import { tempDir } from '../support.ts';
import { CAMERA, evidenceFor, noiseJpeg, sentAsOffered, stampBytes, unstamp, until, type Offered } from './support.ts';

let jpeg: Buffer;
const dirs: (() => void)[] = [];
before(async () => {
  jpeg = await noiseJpeg(64);
});
after(() => {
  for (const cleanup of dirs) cleanup();
});

function openQueue(options: { maxBytes?: number; path?: string } = {}): EvidenceQueue {
  let path = options.path;
  if (!path) {
    const t = tempDir('seamline-evidence-queue-');
    dirs.push(t.cleanup);
    path = t.dir;
  }
  return new EvidenceQueue({ path, maxBytes: options.maxBytes });
}

const ready = (q: EvidenceQueue, n: number) => until(() => q.stats().queued === n && q.hasWaiting, 5_000, `${n} images written`);

test('offer queues an image at once; take sends the oldest first; acknowledge removes it', { timeout: 20_000 }, async () => {
  const q = openQueue();
  const offered = Array.from({ length: 5 }, () => evidenceFor(jpeg));
  for (const o of offered) q.offer(o.payload, o.meta);
  // Counted before the write lands: offer returns at once.
  assert.equal(q.stats().queued, 5);
  assert.equal(
    q.stats().queue_bytes,
    offered.reduce((n, o, i) => n + o.payload.byteLength + stampBytes(i), 0),
  );
  await ready(q, 5);
  const first = q.take(2);
  assert.deepEqual(
    first.map((i) => i.event_id),
    offered.slice(0, 2).map((o) => o.event_id),
  );
  assert.ok(sentAsOffered(first[0].payload, offered[0].payload), 'byte-identical but for the stamp');
  assert.deepEqual(
    first.map((i) => unstamp(i.payload).stream?.seq),
    [0, 1],
  );
  assert.equal(first[0].topic, 'vision/eu/plant-1/cam-01/evidence');
  for (const i of first) q.acknowledge(i.position);
  const s = q.stats();
  assert.deepEqual([s.queued, s.offered, s.sent, s.acked, s.dropped], [3, 5, 2, 2, 0]);
  await q.close();
});

test('one entry per event_id: a second offer of a queued event_id is counted and kept once', { timeout: 20_000 }, async () => {
  const q = openQueue();
  const o = evidenceFor(jpeg);
  q.offer(o.payload, o.meta);
  q.offer(o.payload, o.meta);
  q.offer(Buffer.from(o.payload), { ...o.meta });
  await ready(q, 1);
  const s = q.stats();
  assert.deepEqual([s.queued, s.offered, s.duplicates, s.queue_bytes], [1, 1, 2, o.payload.byteLength + stampBytes(0)]);
  await q.close();
});

test('the byte bound drops the oldest images and counts exactly what and how many bytes', { timeout: 20_000 }, async () => {
  const size = evidenceFor(jpeg).payload.byteLength + stampBytes(0);
  const q = openQueue({ maxBytes: size * 10 + Math.floor(size / 2) });
  const offered: Offered[] = [];
  for (let i = 0; i < 25; i++) {
    const o = evidenceFor(jpeg);
    offered.push(o);
    q.offer(o.payload, o.meta);
  }
  await ready(q, 10);
  const s = q.stats();
  // Numbers 0-9 stamp one digit, 10-14 two: the dropped are 0 to 14.
  assert.deepEqual([s.offered, s.queued, s.dropped, s.dropped_bytes], [25, 10, 15, 15 * size + 5]);
  assert.ok(s.queue_bytes <= q.policy.maxBytes);
  // The newest ten survive, oldest first.
  const kept = q.take(100).map((i) => i.event_id);
  assert.deepEqual(
    kept,
    offered.slice(15).map((o) => o.event_id),
  );
  await q.close();
});

test('images in flight are never dropped: a new image that does not fit beside them is dropped instead', { timeout: 20_000 }, async () => {
  const size = evidenceFor(jpeg).payload.byteLength + stampBytes(0);
  const q = openQueue({ maxBytes: size * 2 });
  const [a, b, c] = [evidenceFor(jpeg), evidenceFor(jpeg), evidenceFor(jpeg)];
  q.offer(a.payload, a.meta);
  q.offer(b.payload, b.meta);
  await ready(q, 2);
  const inFlight = q.take(2);
  q.offer(c.payload, c.meta);
  let s = q.stats();
  assert.deepEqual([s.queued, s.dropped, s.dropped_bytes, s.offered], [2, 1, size, 3]);
  for (const i of inFlight) q.acknowledge(i.position);
  s = q.stats();
  assert.deepEqual([s.queued, s.acked, s.queue_bytes], [0, 2, 0]);
  await q.close();
});

test('bad offers are refused and counted, never thrown, each naming its field', { timeout: 20_000 }, async () => {
  const q = openQueue();
  const o = evidenceFor(jpeg);
  const cases: [payload: unknown, meta: unknown, code: string, field: string][] = [
    ['not a buffer', o.meta, 'SEAM_ERR_INVALID_INPUT', 'payload'],
    [o.payload, undefined, 'SEAM_ERR_INVALID_INPUT', 'meta'],
    [o.payload, { ...o.meta, bytes: 12 }, 'SEAM_ERR_INVALID_INPUT', 'meta.bytes'],
    [Buffer.from('{"a":1}\nxx'), { ...o.meta, bytes: 10 }, 'SEAM_ERR_INVALID_INPUT', 'schema_version'],
    [Buffer.alloc(5000, 0x41), { ...o.meta, bytes: 5000 }, 'SEAM_ERR_INVALID_INPUT', 'payload'],
    [o.payload, { ...o.meta, event_id: '0190f6a0-0000-7000-8000-000000000000' }, 'SEAM_ERR_INVALID_INPUT', 'meta.event_id'],
    [o.payload, { ...o.meta, camera: 'cam-02' }, 'SEAM_ERR_INVALID_INPUT', 'meta.camera'],
    [o.payload.subarray(0, -1), { ...o.meta, bytes: o.payload.byteLength - 1 }, 'SEAM_ERR_INVALID_INPUT', 'image.bytes'],
    [Buffer.alloc(1_000_001), { ...o.meta, bytes: 1_000_001 }, 'SEAM_ERR_PAYLOAD_TOO_LARGE', 'payload'],
  ];
  for (const [payload, meta, code, field] of cases) {
    assert.throws(
      () => checkOffer(payload, meta as never, 1_000_000),
      (err) => isSeamError(err) && err.code === code && err.field === field,
      `${code} ${field}`,
    );
    assert.doesNotThrow(() => q.offer(payload as Buffer, meta as never));
  }
  const s = q.stats();
  assert.deepEqual([s.refused, s.queued, s.offered], [cases.length, 0, 0]);
  // The queue is not wedged: a good image after them is queued.
  q.offer(o.payload, o.meta);
  await ready(q, 1);
  await q.close();
  q.offer(o.payload, o.meta); // closed: refused, not thrown
  assert.equal(q.stats().refused, cases.length + 1);
});

test('an image larger than the queue bound is refused, not allowed to empty the queue', { timeout: 20_000 }, async () => {
  const o = evidenceFor(jpeg);
  const q = openQueue({ maxBytes: o.payload.byteLength - 1 });
  q.offer(o.payload, o.meta);
  assert.deepEqual([q.stats().refused, q.stats().queued], [1, 0]);
  await q.close();
});

test('a restart keeps the queue: what was queued and not acknowledged is there, in order, byte for byte', { timeout: 20_000 }, async () => {
  const t = tempDir('seamline-evidence-queue-');
  dirs.push(t.cleanup);
  const q = openQueue({ path: t.dir });
  const offered = Array.from({ length: 8 }, () => evidenceFor(jpeg));
  for (const o of offered) q.offer(o.payload, o.meta);
  await ready(q, 8);
  const sent = q.take(3);
  q.acknowledge(sent[0].position); // acknowledged: gone for good
  // sent[1] and sent[2] are in flight when the process stops: they must come back.
  await q.close();

  const reopened = openQueue({ path: t.dir });
  const s = reopened.stats();
  assert.deepEqual([s.restored, s.queued], [7, 7]);
  const again = reopened.take(100);
  assert.deepEqual(
    again.map((i) => i.event_id),
    offered.slice(1).map((o) => o.event_id),
  );
  for (const [i, image] of again.entries()) assert.ok(sentAsOffered(image.payload, offered[i + 1].payload));
  // Still one per event_id after the restart, and new positions follow the old ones.
  reopened.offer(offered[3].payload, offered[3].meta);
  assert.equal(reopened.stats().duplicates, 1);
  const late = evidenceFor(jpeg);
  reopened.offer(late.payload, late.meta);
  await until(() => reopened.hasWaiting, 5_000, 'the late image written');
  const taken = reopened.take(10);
  assert.deepEqual(
    taken.map((i) => i.event_id),
    [late.event_id],
  );
  // Numbered on from the last image stored before the restart (0-7), in the same stream.
  assert.deepEqual(unstamp(taken[0].payload).stream, { id: unstamp(again[0].payload).stream?.id, seq: 8 });
  await reopened.close();
});

test('each camera is numbered from 0 in the queue stream; a number a producer wrote is replaced', { timeout: 20_000 }, async () => {
  const q = openQueue();
  const other = { ...CAMERA, camera: 'cam-02' };
  const offered = [evidenceFor(jpeg), evidenceFor(jpeg, other), evidenceFor(jpeg), evidenceFor(jpeg, other), evidenceFor(jpeg)];
  // A producer's own image_stream (another stream, a high number) must not survive: only the queue numbers without a gap.
  const forged = unstamp(offered[4].payload);
  const end = forged.payload.indexOf(0x0a);
  const header = { ...JSON.parse(forged.payload.subarray(0, end).toString()), image_stream: { id: 'ffffffffffffffff', seq: 99 } };
  const forgedPayload = Buffer.concat([Buffer.from(JSON.stringify(header)), forged.payload.subarray(end)]);
  for (const o of offered.slice(0, 4)) q.offer(o.payload, o.meta);
  q.offer(forgedPayload, { ...offered[4].meta, bytes: forgedPayload.byteLength });
  await ready(q, 5);
  const stamps = q.take(10).map((i) => unstamp(i.payload).stream);
  assert.deepEqual(
    stamps.map((st) => st?.seq),
    [0, 0, 1, 1, 2],
  );
  assert.equal(new Set(stamps.map((st) => st?.id)).size, 1);
  assert.notEqual(stamps[4]?.id, 'ffffffffffffffff');
  await q.close();
});

test('an image that the stamp would take over the cap is refused naming payload, and takes no number', { timeout: 20_000 }, async () => {
  const big = evidenceFor(jpeg);
  const q = openQueue({ maxBytes: big.payload.byteLength + 10 });
  q.offer(big.payload, big.meta);
  assert.deepEqual([q.stats().refused, q.stats().queued], [1, 0]);
  const small = await noiseJpeg(16);
  const fits = evidenceFor(small);
  q.offer(fits.payload, fits.meta);
  await ready(q, 1);
  assert.equal(unstamp(q.take(1)[0].payload).stream?.seq, 0, 'the refused image took no number');
  await q.close();
});

test('options out of range are SEAM_ERR_CONFIG naming the option', { timeout: 10_000 }, () => {
  for (const [options, field] of [
    [{ path: '' }, 'path'],
    [{ path: '/tmp/x', maxBytes: 0 }, 'maxBytes'],
    [{ path: '/tmp/x', maxBytes: 1.5 }, 'maxBytes'],
    [{ path: '/tmp/x', fsync: 'never' }, 'fsync'],
  ] as const) {
    assert.throws(
      () => new EvidenceQueue(options as never),
      (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && err.field === field,
    );
  }
});
