/**
 * When a batch goes (consumer/ingest/ingest.ts waitMs): a quiet stream's batch at flushMs, so lag stays in tens of
 * milliseconds; a busy one (a tenth of batchSize waiting by flushMs) up to 2.5 times flushMs or at batchSize, so a
 * commit's fixed cost is spread over more deliveries. Timed against a store that records each write.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectionV1 } from '../../src/contract/index.ts';
import { BUSY_FLUSH_FACTOR, Ingestor } from '../../src/consumer/ingest/ingest.ts';
import type { SubscriberSession } from '../../src/consumer/mqtt/subscriber-session.ts';
import type { DetectionStore } from '../../src/store/store.ts';
import { deliveryOf } from '../helpers/deliveries.ts';
import { FakeSession } from '../helpers/fake-session.ts';
import { makeEvents } from '../helpers/events.ts';

function recordingStore() {
  const writes: { size: number; atMs: number }[] = [];
  const store = {
    write: async (events: readonly DetectionV1[]) => {
      writes.push({ size: events.length, atMs: Date.now() });
      return { events: events.length, detections: 0, duplicates: 0 };
    },
    writeDeadLetters: async () => {},
    writeStatus: async () => {},
  } as unknown as DetectionStore;
  return { store, writes };
}

// Long enough that a loaded machine's late timers (up to 100 ms seen) cannot blur a quiet batch into a busy one.
const FLUSH = 200;

async function firstWrite(count: number, batchSize: number) {
  const session = new FakeSession();
  const { store, writes } = recordingStore();
  new Ingestor({ store, session: session as unknown as SubscriberSession, batchSize, flushMs: FLUSH });
  const started = Date.now();
  makeEvents(count, { camera: 'timing' }).forEach((e, i) => session.emit('message', deliveryOf(e, i)));
  while (writes.length === 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  return { waitedMs: writes[0]!.atMs - started, size: writes[0]!.size, acked: session.acked };
}

test('a quiet batch (under a tenth of batchSize) goes at flushMs', { timeout: 10_000 }, async () => {
  const w = await firstWrite(5, 1000);
  assert.equal(w.size, 5);
  assert.ok(w.waitedMs >= FLUSH - 5 && w.waitedMs < FLUSH * BUSY_FLUSH_FACTOR, `waited ${w.waitedMs} ms, less than a busy batch would`);
  assert.equal(w.acked, 5, 'acknowledged once committed');
});

test('a busy batch (a tenth of batchSize or more at flushMs) waits up to 2.5 times flushMs for more', { timeout: 10_000 }, async () => {
  const w = await firstWrite(150, 1000);
  assert.equal(w.size, 150);
  assert.ok(w.waitedMs >= FLUSH * BUSY_FLUSH_FACTOR - 5, `waited ${w.waitedMs} ms, not cut short at flushMs`);
  assert.ok(w.waitedMs < FLUSH * (BUSY_FLUSH_FACTOR + 1), `waited ${w.waitedMs} ms`);
});

test('a full batch goes at once, busy or not', { timeout: 10_000 }, async () => {
  const w = await firstWrite(1000, 1000);
  assert.equal(w.size, 1000);
  assert.ok(w.waitedMs < FLUSH, `waited ${w.waitedMs} ms`);
});
