/**
 * The replay loop (src/cli/services/dead-letter-replay.ts) with the publisher injected: which topics are republished,
 * in what order, how many at once, and how failures and dry runs are counted. The same loop against a real
 * broker and consumers is in dead-letters.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replayDeadLetters, skipReason, type ReplayPublisher } from '../../src/cli/services/dead-letter-replay.ts';
import type { DeadLetterRecord } from '../../src/store/dead-letter-reader.ts';

const TOPICS: { topic: string; replayed: boolean; because?: RegExp; withStatus?: boolean }[] = [
  { topic: 'vision/eu/plant-1/cam-01/detection', replayed: true },
  // A BAD_TOPIC dead letter the consumer still subscribes to: replayed, and dead-lettered again unless a fix admits it.
  { topic: 'vision/eu/Plant 1/cam-01/detection', replayed: true },
  { topic: 'vision//plant-1/cam-01/detection', replayed: true },
  // A backslash of the topic's own, not an escape.
  { topic: 'vision/eu/plant\\1/cam-01/detection', replayed: true },
  { topic: 'vision/eu/plant-1/cam\\u0000/detection', replayed: false, because: /\\uXXXX escape/ },
  // A last-resort dead letter escapes every non-ASCII character (consumer/ingest/dead-letter.ts bareDeadLetter).
  { topic: 'vision/eu/plant-1/cam\\u00e9/detection', replayed: false, because: /\\uXXXX escape/ },
  { topic: 'vision/eu/plant-1/cam\\u001B/status', replayed: false, because: /\\uXXXX escape/, withStatus: true },
  { topic: 'vision/eu/plant-1/cam-01/status', replayed: false, because: /a status: .*--include-status/ },
  { topic: 'vision/eu/plant-1/cam-01/status', replayed: true, withStatus: true },
  { topic: 'vision/eu/plant-1/cam-01/detection/extra', replayed: false, because: /not a topic the consumer subscribes to/ },
  { topic: 'factory/eu/plant-1/cam-01/detection', replayed: false, because: /not a topic the consumer subscribes to/ },
  { topic: 'vision/eu/plant-1/+/detection', replayed: false, because: /not a topic the consumer subscribes to/ },
  { topic: 'vision/eu/plant-1/cam-01/repair-answer', replayed: false, because: /not a topic the consumer subscribes to/ },
];

for (const c of TOPICS) {
  test(`${c.topic}${c.withStatus ? ' (--include-status)' : ''} is ${c.replayed ? 'replayed' : 'skipped'}`, { timeout: 5_000 }, () => {
    const reason = skipReason(c.topic, c.withStatus ?? false);
    if (c.replayed) assert.equal(reason, undefined);
    else assert.match(reason ?? '', c.because!);
  });
}

const letter = (i: number, topic = `vision/eu/plant-1/cam-${i % 2}/detection`): DeadLetterRecord => ({
  topic,
  payload: Buffer.from([i]),
  code: 'SEAM_ERR_MALFORMED_JSON',
  reason: 'x',
  receivedAt: new Date(1_000 + i),
});
/** Newest first, as a reader returns them. */
const newestFirst = (n: number) => Array.from({ length: n }, (_, i) => letter(n - 1 - i));

/** A broker that acknowledges after `delayMs`, refuses the payloads in `refuse`, and records what it got. */
function fakeBroker(delayMs: number, refuse = new Set<number>()) {
  const got: number[] = [];
  let inFlight = 0;
  let most = 0;
  const publisher: ReplayPublisher = {
    async publish(_topic, payload) {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, delayMs));
      inFlight--;
      if (refuse.has(payload[0])) throw new Error('Publish error: Not authorized');
      got.push(payload[0]);
    },
    async close() {},
  };
  return { publisher, got, most: () => most };
}

test('replays oldest first with at most a window in flight, each counted on its own acknowledgement', { timeout: 10_000 }, async () => {
  const broker = fakeBroker(5, new Set([3, 7]));
  const s = await replayDeadLetters(newestFirst(20), {
    publisher: broker.publisher,
    ratePerSecond: 100_000,
    includeStatus: false,
    window: 4,
  });
  assert.deepEqual([s.selected, s.replayed, s.skipped, s.failed, s.dryRun], [20, 18, 0, 2, false]);
  assert.deepEqual(
    broker.got,
    Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3 && i !== 7),
  );
  assert.equal(broker.most(), 4);
  assert.deepEqual(
    s.failures.map((f) => [f.letter.payload[0], f.reason]),
    [
      [3, 'Publish error: Not authorized'],
      [7, 'Publish error: Not authorized'],
    ],
  );
});

test('a dry run publishes nothing and names each letter it would publish and each it would skip', { timeout: 5_000 }, async () => {
  const letters = [letter(2, 'factory/x'), ...newestFirst(2)];
  const would: number[] = [];
  const skipped: string[] = [];
  const s = await replayDeadLetters(letters, {
    ratePerSecond: 1,
    includeStatus: false,
    onWouldReplay: (l) => would.push(l.payload[0]),
    onSkip: (l, reason) => skipped.push(`${l.topic}: ${reason}`),
  });
  assert.deepEqual([s.selected, s.replayed, s.skipped, s.failed, s.dryRun], [3, 2, 1, 0, true]);
  assert.deepEqual(would, [0, 1]);
  assert.deepEqual(skipped, ['factory/x: not a topic the consumer subscribes to (vision/+/+/+/detection or vision/+/+/+/status)']);
  assert.deepEqual([...s.skips], [['not a topic the consumer subscribes to (vision/+/+/+/detection or vision/+/+/+/status)', 1]]);
});

test('the rate holds: 30 letters at 50 a second take about half a second', { timeout: 10_000 }, async () => {
  const broker = fakeBroker(0);
  const began = performance.now();
  const s = await replayDeadLetters(newestFirst(30), { publisher: broker.publisher, ratePerSecond: 50, includeStatus: false });
  const took = performance.now() - began;
  assert.equal(s.replayed, 30);
  // 5 saved up (a tenth of a second), then 25 a fiftieth of a second apart.
  assert.ok(took >= 450 && took < 3_000, `took ${took} ms`);
});
