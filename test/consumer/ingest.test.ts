import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type RunningBroker } from '../../src/broker/embedded.ts';
import { detectionTopic } from '../../src/contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../src/consumer/consumer.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

let broker: RunningBroker;
let store: DuckDbStore;
let consumer: RunningConsumer;
let publisher: mqtt.MqttClient;

before(async () => {
  broker = await startEmbeddedBroker();
  store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  consumer = await startConsumer({ url: broker.url, protocol: 4, clientId: 'ingest-test', store });
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'ingest-test-pub' });
});

after(async () => {
  await publisher.endAsync();
  await consumer.stop();
  await store.close();
  await broker.close();
});

const topic = detectionTopic({ region: 'eu', site: 'plant-1', camera: 'cam-01' });
const publish = (t: string, payload: string | Buffer) => publisher.publishAsync(t, payload, { qos: 1 });

test('stores exactly the distinct valid events when redeliveries and poison arrive among them', { timeout: 30_000 }, async () => {
  const before = await store.totals();
  const events = makeEvents(300, { camera: 'cam-01' });
  const poison: [string, string | Buffer][] = [
    [topic, '{not json'],
    [topic, JSON.stringify({ ...events[0], event_id: 'nope' })],
    [topic, JSON.stringify({ ...events[1], schema_version: 'detection.v9' })],
    [topic, JSON.stringify({ ...events[2], camera: 'cam-02' })],
    [topic, Buffer.alloc(300 * 1024, 0x7b)],
    [topic, JSON.stringify({ ...events[3], detections: [{ class: 'x', class_id: 1, confidence: 7, bbox: [0, 0, 1, 1] }] })],
  ];
  // Every 10th event is published twice: an exact redelivery, byte for byte.
  const sends: Promise<unknown>[] = [];
  events.forEach((e, i) => {
    const bytes = JSON.stringify(e);
    sends.push(publish(topic, bytes));
    if (i % 10 === 0) sends.push(publish(topic, bytes));
    if (i % 50 === 25) sends.push(publish(...poison[(i - 25) / 50]));
  });
  await Promise.all(sends);

  await waitFor(async () => (await store.totals()).events - before.events === 300 && consumer.ingestor.stats.deadLettered >= 6);
  const totals = await store.totals();
  assert.equal(totals.events - before.events, 300);
  assert.equal(totals.detections - before.detections, 600);
  assert.equal(totals.deadLetters - before.deadLetters, 6);
  assert.equal(consumer.ingestor.stats.deadLettered, 6);
  assert.equal(consumer.ingestor.stats.duplicates, 30);

  // The pipeline kept running: a later good event is stored.
  await publish(topic, JSON.stringify(makeEvents(1, { seq: 300 })[0]));
  await waitFor(async () => (await store.totals()).events - before.events === 301);
});

test('acknowledges every message it committed, so nothing is left in flight', { timeout: 30_000 }, async () => {
  await waitFor(() => consumer.session.inFlight === 0);
  assert.equal(consumer.ingestor.stats.pending, 0);
});

test('stops without acknowledging when the store is broken for good and its probe fails too', { timeout: 30_000 }, async () => {
  const { SeamError } = await import('../../src/contract/index.ts');
  const refusing = new DuckDbStore({ path: ':memory:' });
  await refusing.open();
  const broken = async () => {
    throw new SeamError('SEAM_ERR_CONFIG', 'password authentication failed for user "seamline"', { field: 'store' });
  };
  refusing.write = broken;
  refusing.probe = broken;
  const c = await startConsumer({ url: broker.url, protocol: 4, clientId: 'ingest-fatal', store: refusing });
  const fatal = new Promise<Error>((resolve) => c.ingestor.onFatal(resolve));
  await publish(topic, JSON.stringify(makeEvents(1, { seq: 900 })[0]));
  const err = await fatal;
  assert.match(err.message, /authentication failed/);
  assert.match(err.message, /known-good event too/);
  assert.equal(c.ingestor.stats.storeFailures, 1, 'no retry loop on a permanent failure');
  assert.equal(c.session.inFlight, 1, 'the message stays unacknowledged with the broker');
  assert.equal(c.ingestor.stats.deadLettered, 0, 'a broken store is not blamed on the message');
  let late: Error | undefined;
  c.ingestor.onFatal((e) => (late = e));
  assert.equal(late, err, 'a listener that comes after the fatal error still hears of it');
  await c.session.close();
  await refusing.close();
});

test('a configuration error on a message while the probe passes dead-letters that message alone', { timeout: 30_000 }, async () => {
  const { SeamError } = await import('../../src/contract/index.ts');
  const picky = new DuckDbStore({ path: ':memory:' });
  await picky.open();
  const write = picky.write.bind(picky);
  // A store that says "configuration" about one event: a payload must never pass for a broken store.
  picky.write = async (events, committedAt, fresh) => {
    if (events.some((e) => e.seq === 77)) throw new SeamError('SEAM_ERR_CONFIG', 'permission denied for value 77', { field: 'store' });
    return write(events, committedAt, fresh);
  };
  const c = await startConsumer({
    url: broker.url,
    protocol: 4,
    clientId: 'ingest-picky',
    store: picky,
    batchSize: 50,
    flushMs: 200,
  });
  const events = makeEvents(40, { seq: 60, camera: 'cam-01' });
  await Promise.all(events.map((e) => publish(topic, JSON.stringify(e))));
  await waitFor(
    () => c.ingestor.stats.committedEvents === 39 && c.ingestor.stats.deadLettered === 1,
    15_000,
    '39 stored and 1 dead-lettered',
  );
  assert.equal(c.ingestor.fatalError, undefined);
  assert.equal(c.ingestor.stats.storeRefused, 1);
  assert.equal((await picky.totals()).events, 39);
  await c.stop();
  await picky.close();
});

test('announces each committed dead letter on the dead-letter topic with its code and raw bytes', { timeout: 30_000 }, async () => {
  const notices: { code: string; topic: string; payload_base64: string }[] = [];
  const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'dl-watcher' });
  watcher.on('message', (_t, m) => notices.push(JSON.parse(m.toString())));
  await watcher.subscribeAsync('seamline/dead-letters', { qos: 0 });
  const dlStore = new DuckDbStore({ path: ':memory:' });
  await dlStore.open();
  const c = await startConsumer({
    url: broker.url,
    protocol: 4,
    clientId: 'ingest-dl',
    store: dlStore,
    deadLetterTopic: 'seamline/dead-letters',
  });
  await publish(topic, '{oops');
  await waitFor(() => notices.length >= 1, 10_000, 'a dead-letter notice');
  assert.equal(notices[0].code, 'SEAM_ERR_MALFORMED_JSON');
  assert.equal(notices[0].topic, topic);
  assert.equal(Buffer.from(notices[0].payload_base64, 'base64').toString(), '{oops');
  assert.equal((await dlStore.totals()).deadLetters, 1, 'the table holds it too');
  await c.stop();
  await dlStore.close();
  await watcher.endAsync();
});
