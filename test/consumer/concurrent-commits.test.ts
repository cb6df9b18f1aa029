/**
 * Commits at once (consumer/ingest/ingest.ts `commits`, default the store's `concurrentWrites`): a server store
 * takes a second batch while the first is under way, never a third; a store that says nothing takes one at a time;
 * a batch holding a camera's status waits while that camera's earlier status is being committed; drain waits for
 * every commit under way. Against a store whose writes finish only when the test lets them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusTopic, type DetectionV1, type StatusV1 } from '../../src/contract/index.ts';
import { Ingestor } from '../../src/consumer/ingest/ingest.ts';
import type { Delivery, SubscriberSession } from '../../src/consumer/mqtt/subscriber-session.ts';
import type { DetectionStore } from '../../src/store/store.ts';
import { deliveryOf } from '../helpers/deliveries.ts';
import { FakeSession } from '../helpers/fake-session.ts';
import { makeEvents, makeStatus } from '../helpers/events.ts';

/** A write: what it carries, and the call that lets it finish. */
interface Gate {
  kind: 'events' | 'status';
  what: string;
  released: boolean;
  release: () => void;
}

function gatedStore(concurrentWrites?: number) {
  const open: Gate[] = [];
  const done: string[] = [];
  const gate = (kind: Gate['kind'], what: string) =>
    new Promise<void>((resolve) => {
      const g: Gate = {
        kind,
        what,
        released: false,
        release: () => {
          g.released = true;
          done.push(what);
          resolve();
        },
      };
      open.push(g);
    });
  const store = {
    concurrentWrites,
    write: async (events: readonly DetectionV1[]) => {
      await gate('events', `${events.length} events from ${events[0].camera}`);
      return { events: events.length, detections: 0, duplicates: 0 };
    },
    writeStatus: (s: StatusV1) => gate('status', `status ${s.camera} ${s.state}`),
    writeDeadLetters: async () => {},
  } as unknown as DetectionStore;
  return { store, open, done };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

/** Lets every write finish, including those that start because another finished. */
async function releaseAll(open: Gate[]): Promise<void> {
  for (let g = open.find((x) => !x.released); g; g = open.find((x) => !x.released)) {
    g.release();
    await settle();
  }
}

function ingestor(store: DetectionStore, batchSize: number) {
  const session = new FakeSession();
  const ingest = new Ingestor({ store, session: session as unknown as SubscriberSession, batchSize, flushMs: 5 });
  let id = 0;
  const send = (camera: string, n: number) => makeEvents(n, { camera }).forEach((e) => session.emit('message', deliveryOf(e, id++)));
  const sendStatus = (camera: string, state: StatusV1['state']) => {
    const s = makeStatus({ camera, state });
    const delivery: Delivery = {
      topic: statusTopic(s),
      payload: Buffer.from(JSON.stringify(s)),
      qos: 1,
      dup: false,
      connection: 1,
      messageId: ++id,
    };
    session.emit('message', delivery);
  };
  return { session, ingest, send, sendStatus };
}

test('a store taking two writes gets a second batch while the first is under way, never a third', { timeout: 10_000 }, async () => {
  const { store, open } = gatedStore(2);
  const { session, send } = ingestor(store, 10);
  send('a', 10);
  send('b', 10);
  send('c', 10);
  await settle();
  assert.deepEqual(
    open.map((g) => g.what),
    ['10 events from a', '10 events from b'],
    'two writes under way at once, the third batch waits',
  );
  assert.equal(session.acked, 0, 'nothing acknowledged before its commit');
  open[1].release();
  await settle();
  assert.equal(session.acked, 10, 'the second batch acknowledged on its own commit, the first still under way');
  assert.equal(open.length, 3, 'the third batch went once a write finished');
  open[0].release();
  open[2].release();
  await settle();
  assert.equal(session.acked, 30);
});

test('a store that names no concurrency takes one write at a time', { timeout: 10_000 }, async () => {
  const { store, open } = gatedStore();
  const { session, send } = ingestor(store, 10);
  send('a', 10);
  send('b', 10);
  await settle();
  assert.equal(open.length, 1, 'the second batch waits for the first');
  open[0].release();
  await settle();
  assert.equal(open.length, 2);
  open[1].release();
  await settle();
  assert.equal(session.acked, 20);
});

test("a batch with a camera's status waits while that camera's earlier status is committed", { timeout: 10_000 }, async () => {
  const { store, open, done } = gatedStore(2);
  const { session, send, sendStatus } = ingestor(store, 2);
  sendStatus('cam-1', 'online');
  send('x', 1);
  await settle();
  const first = open.find((g) => g.kind === 'events')!;
  first.release();
  await settle();
  assert.deepEqual(
    open.filter((g) => g.kind === 'status').map((g) => g.what),
    ['status cam-1 online'],
  );
  sendStatus('cam-1', 'offline');
  sendStatus('cam-2', 'online');
  await settle();
  assert.equal(open.filter((g) => g.kind === 'events' || g.what.includes('offline')).length, 1, 'the newer cam-1 status waits');
  await releaseAll(open);
  assert.deepEqual(open.map((g) => g.what).sort(), [
    '1 events from x',
    'status cam-1 offline',
    'status cam-1 online',
    'status cam-2 online',
  ]);
  assert.deepEqual(
    done.filter((w) => w.startsWith('status cam-1')),
    ['status cam-1 online', 'status cam-1 offline'],
    'in the order sent',
  );
  assert.equal(session.acked, 4);
});

test('drain waits for every commit under way and acknowledges each', { timeout: 10_000 }, async () => {
  const { store, open } = gatedStore(2);
  const { session, ingest, send } = ingestor(store, 10);
  send('a', 10);
  send('b', 10);
  await settle();
  assert.equal(open.length, 2);
  assert.ok(ingest.stats.commitStartedAtMs > 0, 'the health check sees a commit under way');
  const drained = ingest.drain(5_000);
  await settle();
  open[0].release();
  await settle();
  assert.ok(ingest.stats.commitStartedAtMs > 0, 'one still under way');
  open[1].release();
  assert.equal(await drained, true);
  assert.equal(session.acked, 20);
  assert.equal(ingest.stats.commitStartedAtMs, 0);
});
