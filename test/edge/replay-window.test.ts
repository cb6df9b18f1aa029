import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { open } from 'lmdb';
import { isSeamError } from '../../src/contract/index.ts';
import { entrySize as sizeOfEntry } from '../../src/edge/outbox/entry.ts';
import { openOutbox, type Outbox, type OutboxOptions } from '../../src/edge/outbox/outbox.ts';
import { tempDir } from './support.ts';

const TOPIC = 'vision/eu/plant-1/cam-01/detection';
const STREAM = 'eu/plant-1/cam-01';
const PAYLOAD = 100;
const SIZE = sizeOfEntry(TOPIC, PAYLOAD);

async function withOutbox(options: Partial<OutboxOptions>, fn: (open: () => Outbox) => Promise<void>) {
  const { dir, cleanup } = tempDir('seamline-window-');
  try {
    await fn(() => openOutbox({ path: dir, ...options }));
  } finally {
    cleanup();
  }
}

/** Appends `n` events of STREAM and waits until they are durable; returns their positions. */
async function append(outbox: Outbox, n: number): Promise<number[]> {
  const out: { position: number; durable: Promise<void> }[] = [];
  for (let i = 0; i < n; i++) out.push(outbox.append(TOPIC, Buffer.alloc(PAYLOAD, 97 + i), STREAM, outbox.peekSeq(STREAM)));
  await Promise.all(out.map((o) => o.durable));
  return out.map((o) => o.position);
}

/** [from, to, state] of each span, the shape most assertions compare. */
const spans = (outbox: Outbox, from: number, to: number, stream = STREAM) =>
  outbox.describe(stream, from, to).map((s) => [s.from, s.to, s.state]);

describe('replay window', () => {
  test('acknowledged events stay in the window across a reopen, are not sent again, and are found by seq', {
    timeout: 30_000,
  }, async () => {
    await withOutbox({}, async (open) => {
      const a = open();
      const positions = await append(a, 10);
      for (const p of positions) a.acknowledge(p);
      assert.deepEqual([a.stats().depth, a.stats().windowDepth, a.stats().windowBytes], [0, 10, 10 * SIZE]);
      await a.close();
      const b = open();
      assert.deepEqual([b.stats().depth, b.stats().windowDepth], [0, 10]);
      assert.deepEqual(b.read(0, 100), [], 'nothing acknowledged is sent again after a restart');
      const [span] = b.describe(STREAM, 1, 10);
      assert.deepEqual([span.from, span.to, span.state, span.positions], [1, 10, 'acknowledged', positions]);
      assert.equal(b.get(positions[3])!.payload[0], 97 + 3, 'the original bytes');
      await b.close();
    });
  });

  test('acknowledged events give way first, oldest first; only then do waiting events meet drop-oldest and its counters', {
    timeout: 30_000,
  }, async () => {
    const dropped: number[] = [];
    const evicted: number[] = [];
    await withOutbox({ maxBytes: SIZE * 10, onDrop: (n) => dropped.push(n), onEvict: (n) => evicted.push(n) }, async (open) => {
      const a = open();
      const first = await append(a, 6);
      for (const p of first.slice(0, 4)) a.acknowledge(p); // seqs 1-4 in the window, 5-6 waiting
      await append(a, 6); // 12 entries for 10 slots: seqs 1 and 2 give way
      assert.deepEqual([a.stats().windowDepth, a.stats().evicted, a.stats().dropped], [2, 2, 0]);
      assert.deepEqual(spans(a, 1, 12), [
        [1, 2, 'evicted'],
        [3, 4, 'acknowledged'],
        [5, 12, 'unacknowledged'],
      ]);
      await append(a, 4); // 12 waiting for 10 slots: 3 and 4 give way, then the oldest waiting (5, 6) are dropped
      const s = a.stats();
      assert.deepEqual([s.depth, s.windowDepth, s.evicted, s.dropped, s.droppedBytes], [10, 0, 4, 2, 2 * SIZE]);
      assert.deepEqual(spans(a, 1, 20), [
        [1, 4, 'evicted'],
        [5, 6, 'dropped'],
        [7, 16, 'unacknowledged'],
        [17, 20, 'never_produced'],
      ]);
      assert.deepEqual([dropped.reduce((x, y) => x + y, 0), evicted.reduce((x, y) => x + y, 0)], [2, 4]);
      await a.close();
      const b = open();
      assert.deepEqual(
        spans(b, 1, 20),
        [
          [1, 4, 'evicted'],
          [5, 6, 'dropped'],
          [7, 16, 'unacknowledged'],
          [17, 20, 'never_produced'],
        ],
        'dropped ranges survive a restart',
      );
      await b.close();
    });
  });

  test('the window keeps to its own byte bound, letting the oldest acknowledged go first', { timeout: 30_000 }, async () => {
    await withOutbox({ replayMaxBytes: SIZE * 3 }, async (open) => {
      const a = open();
      for (const p of await append(a, 5)) a.acknowledge(p);
      assert.deepEqual([a.stats().windowDepth, a.stats().windowBytes, a.stats().evicted], [3, 3 * SIZE, 2]);
      assert.deepEqual(spans(a, 1, 5), [
        [1, 2, 'evicted'],
        [3, 5, 'acknowledged'],
      ]);
      await a.close();
    });
  });

  test('the window lets go of acknowledged events past its age, and keeps younger ones', { timeout: 30_000 }, async () => {
    await withOutbox({ replayMaxAgeMs: 60_000 }, async (open) => {
      const a = open();
      for (const p of await append(a, 4)) a.acknowledge(p);
      a.evictExpired(Date.now() + 30_000);
      assert.equal(a.stats().windowDepth, 4, 'half the age: kept');
      a.evictExpired(Date.now() + 61_000);
      assert.deepEqual([a.stats().windowDepth, a.stats().evicted], [0, 4]);
      assert.deepEqual(spans(a, 1, 4), [[1, 4, 'evicted']]);
      await a.close();
    });
  });

  test('an event still waiting for its PUBACK is never evicted for age', { timeout: 30_000 }, async () => {
    await withOutbox({ replayMaxAgeMs: 1_000 }, async (open) => {
      const a = open();
      const positions = await append(a, 3);
      a.acknowledge(positions[1]);
      a.evictExpired(Date.now() + 10_000);
      assert.deepEqual(spans(a, 1, 3), [
        [1, 1, 'unacknowledged'],
        [2, 2, 'evicted'],
        [3, 3, 'unacknowledged'],
      ]);
      await a.close();
    });
  });

  test('reject-new lets acknowledged events give way before it refuses, and then refuses', { timeout: 30_000 }, async () => {
    await withOutbox({ maxBytes: SIZE * 3, overflow: 'reject-new' }, async (open) => {
      const a = open();
      for (const p of await append(a, 3)) a.acknowledge(p);
      await append(a, 3);
      assert.deepEqual([a.stats().depth, a.stats().evicted, a.stats().dropped], [3, 3, 0]);
      assert.throws(
        () => a.append(TOPIC, Buffer.alloc(PAYLOAD), STREAM, a.peekSeq(STREAM)),
        (err) => isSeamError(err, 'SEAM_ERR_OUTBOX_FULL'),
      );
      await a.close();
    });
  });

  test('describes a range: beyond the last seq and for an unknown stream is never produced, below 1 too', { timeout: 30_000 }, async () => {
    await withOutbox({}, async (open) => {
      const a = open();
      const positions = await append(a, 3);
      a.acknowledge(positions[0]);
      assert.deepEqual(spans(a, 0, 1_000_000), [
        [0, 0, 'never_produced'],
        [1, 1, 'acknowledged'],
        [2, 3, 'unacknowledged'],
        [4, 1_000_000, 'never_produced'],
      ]);
      assert.deepEqual(spans(a, 5, 9), [[5, 9, 'never_produced']]);
      assert.deepEqual(spans(a, 1, 3, 'eu/plant-1/cam-99'), [[1, 3, 'never_produced']]);
      const info = a.streamInfo(STREAM);
      assert.deepEqual([info.firstSeq, info.storedFrom, info.lastSeq, info.unackedFrom], [1, 1, 3, 2]);
      await a.close();
    });
  });

  test('a new directory is a new incarnation; reopening the same directory keeps it', { timeout: 30_000 }, async () => {
    let first: string | undefined;
    await withOutbox({}, async (open) => {
      const a = open();
      first = a.incarnation.id;
      assert.ok(Math.abs(a.incarnation.startedAt - Date.now()) < 60_000);
      await a.close();
      const b = open();
      assert.equal(b.incarnation.id, first);
      await b.close();
    });
    await withOutbox({}, async (open) => {
      const c = open();
      assert.notEqual(c.incarnation.id, first, 'a lost disk is a new outbox, and says so');
      await c.close();
    });
  });

  test('takes over an outbox written before the window: its entries are sent and found by seq, and earlier seqs count as evicted', {
    timeout: 30_000,
  }, async () => {
    const { dir, cleanup } = tempDir('seamline-window-legacy-');
    try {
      // The layout of an older bridge: v1 entries (acceptedAt, topic length, topic, payload), msgpack meta.
      const env = open({ path: dir });
      const entries = env.openDB<Buffer, number>({ name: 'entries', encoding: 'binary' });
      const meta = env.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
      for (const [position, seq] of [
        [7, 41],
        [8, 42],
      ] as const) {
        const payload = Buffer.from(JSON.stringify({ schema_version: 'detection.v1', camera: 'cam-01', seq }));
        const buf = Buffer.alloc(10 + TOPIC.length + payload.length);
        buf.writeDoubleLE(Date.now(), 0);
        buf.writeUInt16LE(TOPIC.length, 8);
        buf.write(TOPIC, 10);
        payload.copy(buf, 10 + TOPIC.length);
        await entries.put(position, buf);
      }
      await meta.put(`seq/${STREAM}`, 42);
      await meta.put('next_position', 9);
      await env.close();

      const a = openOutbox({ path: dir });
      assert.deepEqual(
        a.read(0, 10).map((e) => e.position),
        [7, 8],
        'the waiting entries are still sent',
      );
      assert.equal(a.peekSeq(STREAM), 43);
      a.acknowledge(7);
      assert.deepEqual(spans(a, 1, 44), [
        [1, 40, 'evicted'],
        [41, 41, 'acknowledged'],
        [42, 42, 'unacknowledged'],
        [43, 44, 'never_produced'],
      ]);
      assert.equal(a.streamInfo(STREAM).firstSeq, 41);
      const [p] = await append(a, 1);
      assert.deepEqual(spans(a, 43, 43), [[43, 43, 'unacknowledged']]);
      assert.equal(a.describe(STREAM, 43, 43)[0].positions[0], p);
      await a.close();
    } finally {
      cleanup();
    }
  });
});
