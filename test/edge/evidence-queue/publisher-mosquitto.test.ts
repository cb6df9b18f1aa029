import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startMosquitto, type RunningMosquitto } from '../../../src/proof/services/mosquitto.ts';
import { tempDir } from '../support.ts';
import { startCutProxy } from './cut-proxy.ts';
import { collectEvidence, evidenceFor, jpegNear, noiseJpeg, sentAsOffered, sleep, unstamp, until, type Offered } from './support.ts';
import { transportOn } from './transport-support.ts';

let broker: RunningMosquitto;
const cleanups: (() => unknown)[] = [];
let small: Buffer;
let large: Buffer;
before(async () => {
  broker = await startMosquitto({ log: true });
  small = await noiseJpeg(96);
  large = await jpegNear(990_000);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await broker?.close();
});

test('every offered image arrives once per event_id, byte-identical and valid, over its own connection', { timeout: 60_000 }, async () => {
  const collector = await collectEvidence(broker.url);
  cleanups.push(() => collector.close());
  const transport = transportOn(broker.url, { clientId: 'edge-cam-01' }, cleanups);
  transport.start();
  const offered: Offered[] = [];
  for (let i = 0; i < 60; i++) {
    const o = evidenceFor(i % 10 === 0 ? large : small);
    offered.push(o);
    transport.queue.offer(o.payload, o.meta);
  }
  await collector.waitFor(offered.length, 30_000, () => transport.stats());
  assert.ok(await transport.drain(10_000));
  for (const o of offered) assert.ok(sentAsOffered(collector.byId.get(o.event_id), o.payload), `${o.event_id} byte-identical`);
  assert.equal(collector.received, offered.length, 'no duplicate on a link that never dropped');
  assert.deepEqual(collector.poison, []);
  const s = transport.stats();
  assert.deepEqual([s.offered, s.sent, s.acked, s.dropped, s.queued, s.queue_bytes], [60, 60, 60, 0, 0, 0]);
  assert.match(broker.log(), /as edge-cam-01-evidence/, 'its own client id');
});

test('at most the window is in flight (default 2)', { timeout: 60_000 }, async () => {
  const transport = transportOn(broker.url, {}, cleanups);
  let most = 0;
  const sampler = setInterval(() => (most = Math.max(most, transport.stats().in_flight)), 1);
  for (let i = 0; i < 20; i++) {
    const o = evidenceFor(large);
    transport.queue.offer(o.payload, o.meta);
  }
  transport.start();
  assert.ok(await transport.drain(30_000), JSON.stringify(transport.stats()));
  clearInterval(sampler);
  assert.ok(most >= 1 && most <= 2, `most in flight ${most}`);
  assert.equal(transport.stats().acked, 20);
});

test('a broker restart mid-stream loses nothing: every image is received or counted dropped', { timeout: 60_000 }, async (t) => {
  const collector = await collectEvidence(broker.url, 5, true);
  cleanups.push(() => collector.close());
  const transport = transportOn(broker.url, { maxBytes: 64 * 1024 ** 2 }, cleanups);
  transport.start();
  const medium = await noiseJpeg(300);
  const offered: Offered[] = [];
  const offerSome = async (n: number) => {
    for (let i = 0; i < n; i++) {
      // Every fourth image ~1 MB: it takes long enough on the wire that the restart finds images in flight.
      const o = evidenceFor(i % 4 === 0 ? large : medium);
      offered.push(o);
      transport.queue.offer(o.payload, o.meta);
      await sleep(5);
    }
  };
  let mostQueued = 0;
  const sampler = setInterval(() => (mostQueued = Math.max(mostQueued, transport.stats().queued)), 2);
  const offering = offerSome(80);
  await until(() => transport.stats().acked >= 5 && transport.stats().in_flight > 0, 20_000, 'images in flight');
  const inFlightAtRestart = transport.stats().in_flight;
  await broker.restart(); // SIGTERM: Mosquitto saves its sessions, the collector's queue among them
  await offering;
  await until(() => transport.stats().queued === 0, 30_000, 'the queue to empty');
  clearInterval(sampler);
  const s = transport.stats();
  assert.ok(inFlightAtRestart > 0);
  t.diagnostic(
    `in flight at the restart ${inFlightAtRestart}; offered ${offered.length}, received ${collector.byId.size} (${collector.received} with duplicates), dropped ${s.dropped}, most queued ${mostQueued}, sent ${s.sent}`,
  );
  assert.ok(mostQueued > 2, 'images were waiting while the broker was away');
  await collector.waitFor(offered.length - s.dropped, 20_000, () => transport.stats());
  assert.equal(collector.byId.size + s.dropped, offered.length, JSON.stringify(s));
  for (const [id, payload] of collector.byId) assert.ok(sentAsOffered(payload, offered.find((o) => o.event_id === id)!.payload));
  assert.deepEqual(collector.poison, []);
  assert.ok(s.reconnects >= 1, 'the publisher reconnected');
  assert.equal(s.acked, offered.length - s.dropped);
  assert.equal(s.offered, s.acked + s.dropped + s.queued, 'every offer ends acknowledged, dropped or still queued');
});

test('a connection lost with images in flight: they are sent again on the next one, none lost', { timeout: 60_000 }, async (t) => {
  const proxy = await startCutProxy(broker.port);
  cleanups.push(() => proxy.close());
  const collector = await collectEvidence(broker.url);
  cleanups.push(() => collector.close());
  const transport = transportOn(proxy.url, {}, cleanups);
  transport.start();
  await until(() => transport.connected, 10_000, 'the publisher to connect');
  proxy.hold(); // the PUBLISHes leave the publisher but never reach the broker: no PUBACK can come
  const offered = Array.from({ length: 10 }, () => evidenceFor(small));
  for (const o of offered) transport.queue.offer(o.payload, o.meta);
  await until(() => transport.stats().in_flight === 2, 10_000, 'two images in flight');
  proxy.cut();
  await collector.waitFor(offered.length, 20_000, () => transport.stats());
  assert.ok(await transport.drain(10_000), JSON.stringify(transport.stats()));
  const s = transport.stats();
  t.diagnostic(`sent ${s.sent} PUBLISHes for ${offered.length} images; received ${collector.received}`);
  for (const o of offered) assert.ok(sentAsOffered(collector.byId.get(o.event_id), o.payload));
  assert.deepEqual([s.acked, s.dropped, s.queued, s.reconnects], [10, 0, 0, 1]);
  assert.equal(s.sent, 12, 'the two held images were sent again');
});

test('a process restart keeps the queue: images queued while the broker was away are sent by the next process', {
  timeout: 60_000,
}, async () => {
  const { dir, cleanup } = tempDir('seamline-evidence-restart-');
  cleanups.push(cleanup);
  const collector = await collectEvidence(broker.url, 5, true);
  cleanups.push(() => collector.close());
  await broker.stop();
  const first = transportOn(broker.url, { dataDir: dir }, []);
  first.start();
  const offered = Array.from({ length: 12 }, () => evidenceFor(small));
  for (const o of offered) first.queue.offer(o.payload, o.meta);
  await until(() => first.queue.hasWaiting, 5_000, 'the images written');
  await first.close();
  assert.equal(first.stats().acked, 0);

  await broker.start();
  const second = transportOn(broker.url, { dataDir: dir }, cleanups);
  assert.equal(second.stats().restored, 12);
  second.start();
  // The next process numbers on from the last image stored, in the same stream: no number reused or skipped.
  const later = Array.from({ length: 3 }, () => evidenceFor(small));
  for (const o of later) second.queue.offer(o.payload, o.meta);
  await collector.waitFor(15, 20_000, () => second.stats());
  for (const o of [...offered, ...later]) assert.ok(sentAsOffered(collector.byId.get(o.event_id), o.payload));
  const stamps = [...offered, ...later].map((o) => unstamp(collector.byId.get(o.event_id)!).stream!);
  assert.deepEqual(
    stamps.map((st) => st.seq),
    Array.from({ length: 15 }, (_, i) => i),
  );
  assert.equal(new Set(stamps.map((st) => st.id)).size, 1, 'one stream across the restart');
  assert.ok(await second.drain(10_000));
  assert.deepEqual([second.stats().acked, second.stats().queued], [15, 0]);
});
