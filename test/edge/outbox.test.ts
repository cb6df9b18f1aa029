import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSeamError } from '../../src/contract/index.ts';
import { PositionIndex } from '../../src/edge/outbox/positions.ts';
import { openOutbox, type OutboxOptions } from '../../src/edge/outbox/outbox.ts';
import { entrySize as sizeOfEntry } from '../../src/edge/outbox/entry.ts';
import { tempDir } from './support.ts';

const TOPIC = 'vision/eu/plant-1/cam-01/detection';
const STREAM = 'eu/plant-1/cam-01';
/** Entry size on disk: header + topic + payload. */
const entrySize = (payloadBytes: number) => sizeOfEntry(TOPIC, payloadBytes);

async function withOutbox(options: Partial<OutboxOptions>, fn: (open: () => ReturnType<typeof openOutbox>) => Promise<void>) {
  const { dir, cleanup } = tempDir();
  try {
    await fn(() => openOutbox({ path: dir, ...options }));
  } finally {
    cleanup();
  }
}

function appendN(outbox: ReturnType<typeof openOutbox>, n: number, payloadBytes = 100, stream = STREAM) {
  const done: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const seq = outbox.peekSeq(stream);
    const payload = Buffer.alloc(payloadBytes, 97 + (seq % 26));
    done.push(outbox.append(TOPIC, payload, stream, seq).durable);
  }
  return Promise.all(done);
}

describe('outbox', () => {
  for (const fsync of ['always', 'batch', 'never'] as const) {
    test(`keeps appended entries across close and reopen, in position order (fsync ${fsync})`, { timeout: 30_000 }, async () => {
      await withOutbox({ fsync }, async (open) => {
        const a = open();
        await appendN(a, 50);
        await a.close();
        const b = open();
        assert.equal(b.stats().depth, 50);
        const entries = b.read(0, 1000);
        assert.equal(entries.length, 50);
        assert.deepEqual(
          entries.map((e) => e.position),
          Array.from({ length: 50 }, (_, i) => i),
        );
        assert.equal(entries[0].topic, TOPIC);
        assert.equal(entries[0].payload.length, 100);
        assert.ok(Math.abs(entries[0].acceptedAt - Date.now()) < 60_000);
        await b.close();
      });
    });
  }

  test('continues seq per stream after reopening and never hands one out twice', { timeout: 30_000 }, async () => {
    await withOutbox({}, async (open) => {
      const a = open();
      assert.equal(a.peekSeq(STREAM), 1);
      await appendN(a, 10);
      await appendN(a, 3, 100, 'eu/plant-1/cam-02');
      for (const e of a.read(0, 100)) a.acknowledge(e.position);
      await a.close();
      const b = open();
      assert.equal(b.stats().depth, 0);
      assert.equal(b.stats().windowDepth, 13, 'acknowledged entries stay, in the replay window');
      assert.equal(b.peekSeq(STREAM), 11);
      assert.equal(b.peekSeq('eu/plant-1/cam-02'), 4);
      assert.equal(b.end, 13, 'positions keep increasing even when the outbox was emptied');
      await b.close();
    });
  });

  test('refuses an append whose seq is not the next one for its stream', { timeout: 30_000 }, async () => {
    await withOutbox({}, async (open) => {
      const a = open();
      assert.throws(() => a.append(TOPIC, Buffer.from('x'), STREAM, 5), /seq for eu\/plant-1\/cam-01 must be 1/);
      await a.close();
    });
  });

  test('drop-oldest drops exactly the oldest entries to stay within maxBytes and counts them', { timeout: 30_000 }, async () => {
    const size = entrySize(100);
    let reported = 0;
    await withOutbox({ maxBytes: size * 10, overflow: 'drop-oldest', onDrop: (n) => (reported += n) }, async (open) => {
      const a = open();
      await appendN(a, 25);
      const s = a.stats();
      assert.equal(s.depth, 10);
      assert.equal(s.bytes, size * 10);
      assert.equal(s.dropped, 15);
      assert.equal(s.droppedBytes, size * 15);
      assert.equal(reported, 15);
      assert.deepEqual(
        a.read(0, 100).map((e) => e.position),
        [15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
      );
      await a.close();
      const b = open();
      assert.equal(b.stats().depth, 10, 'the drops were committed with the appends');
      await b.close();
    });
  });

  test('reject-new refuses with SEAM_ERR_OUTBOX_FULL and keeps everything it holds', { timeout: 30_000 }, async () => {
    const size = entrySize(100);
    await withOutbox({ maxBytes: size * 10, overflow: 'reject-new' }, async (open) => {
      const a = open();
      await appendN(a, 10);
      const seq = a.peekSeq(STREAM);
      assert.throws(
        () => a.append(TOPIC, Buffer.alloc(100), STREAM, seq),
        (err) => isSeamError(err, 'SEAM_ERR_OUTBOX_FULL') && /reject-new/.test(err.message),
      );
      assert.equal(a.peekSeq(STREAM), seq, 'a refused append consumes no seq');
      assert.deepEqual(a.stats(), {
        depth: 10,
        bytes: size * 10,
        dropped: 0,
        droppedBytes: 0,
        windowDepth: 0,
        windowBytes: 0,
        evicted: 0,
        evictedBytes: 0,
      });
      a.acknowledge(0);
      await appendN(a, 1);
      assert.equal(a.stats().depth, 10, 'room freed by an acknowledgement is usable again');
      assert.deepEqual([a.stats().windowDepth, a.stats().evicted], [0, 1], 'the acknowledged entry gave way');
      await a.close();
    });
  });

  test('refuses an entry larger than maxBytes under either policy', { timeout: 30_000 }, async () => {
    for (const overflow of ['drop-oldest', 'reject-new'] as const) {
      await withOutbox({ maxBytes: 100, overflow }, async (open) => {
        const a = open();
        assert.throws(
          () => a.append(TOPIC, Buffer.alloc(200), STREAM, 1),
          (err) => isSeamError(err, 'SEAM_ERR_OUTBOX_FULL'),
        );
        assert.equal(a.stats().dropped, 0);
        await a.close();
      });
    }
  });

  test('acknowledge counts once, read skips acknowledged entries and starts at a position, and both survive a reopen', {
    timeout: 30_000,
  }, async () => {
    await withOutbox({}, async (open) => {
      const a = open();
      await appendN(a, 6);
      assert.equal(a.acknowledge(2), true);
      assert.equal(a.acknowledge(2), false, 'a repeated acknowledgement is a no-op');
      assert.deepEqual(
        a.read(0, 100).map((e) => e.position),
        [0, 1, 3, 4, 5],
      );
      assert.deepEqual(
        a.read(3, 2).map((e) => e.position),
        [3, 4],
      );
      assert.equal(a.stats().depth, 5);
      assert.equal(a.stats().windowDepth, 1);
      assert.equal(a.get(2)?.position, 2, 'an acknowledged entry is still readable for replay');
      assert.equal(a.get(3)?.position, 3);
      await a.close();
      const b = open();
      assert.deepEqual(
        b.read(0, 100).map((e) => e.position),
        [0, 1, 3, 4, 5],
        'an acknowledgement out of order is remembered',
      );
      assert.equal(b.stats().windowDepth, 1);
      await b.close();
    });
  });

  test('with the replay window off an acknowledgement deletes the entry, as before the window', { timeout: 30_000 }, async () => {
    await withOutbox({ replayMaxBytes: 0 }, async (open) => {
      const a = open();
      await appendN(a, 3);
      a.acknowledge(1);
      assert.deepEqual([a.stats().depth, a.stats().windowDepth, a.stats().evicted], [2, 0, 0], 'deleted at its PUBACK, never in a window');
      assert.equal(a.get(1), undefined);
      assert.deepEqual(
        a.describe(STREAM, 1, 3).map((s) => [s.from, s.to, s.state]),
        [
          [1, 1, 'unacknowledged'],
          [2, 2, 'evicted'],
          [3, 3, 'unacknowledged'],
        ],
      );
      await a.close();
    });
  });

  test('rejects invalid options with SEAM_ERR_CONFIG naming the option', { timeout: 30_000 }, () => {
    for (const [options, field] of [
      [{ maxBytes: 0 }, 'maxBytes'],
      [{ overflow: 'drop-newest' }, 'overflow'],
      [{ fsync: 'sometimes' }, 'fsync'],
    ] as const) {
      assert.throws(
        () => openOutbox({ path: '/nonexistent/never-created', ...(options as object) }),
        (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && err.field === field,
      );
    }
  });
});

describe('position index', () => {
  test('tracks depth and bytes through adds, removes and gaps', { timeout: 30_000 }, () => {
    const index = new PositionIndex();
    index.add(5, 10);
    index.add(6, 20);
    index.add(9, 30); // 7 and 8 never existed
    assert.equal(index.depth, 3);
    assert.equal(index.bytes, 60);
    assert.equal(index.oldest(), 5);
    assert.equal(index.nextLive(7), 9);
    assert.equal(index.acknowledge(5), 10);
    assert.equal(index.acknowledge(5), 0, 'acknowledged once');
    assert.deepEqual([index.depth, index.windowDepth, index.windowBytes], [2, 1, 10]);
    assert.equal(index.oldest(), 6, 'the oldest waiting skips an acknowledged one');
    assert.equal(index.oldestAcknowledged(), 5);
    assert.equal(index.remove(5), 10);
    assert.equal(index.oldestAcknowledged(), undefined);
    assert.equal(index.oldest(), 6);
    assert.equal(index.remove(6), 20);
    assert.equal(index.oldest(), 9, 'the oldest skips positions that never existed');
    assert.equal(index.remove(9), 30);
    assert.equal(index.oldest(), undefined);
    assert.equal(index.bytes, 0);
    assert.throws(() => index.add(3, 1), /not after/);
  });

  test('keeps working past many times its initial capacity with removals at the front', { timeout: 30_000 }, () => {
    const index = new PositionIndex();
    let removed = 0;
    for (let p = 0; p < 100_000; p++) {
      index.add(p, 1);
      if (p % 3 === 0) index.remove(removed++);
    }
    assert.equal(index.depth, 100_000 - removed);
    assert.equal(index.oldest(), removed);
    assert.equal(index.size(99_999), 1);
  });
});
