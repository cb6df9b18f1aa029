import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { startEmbeddedBroker, type RunningBroker } from '../../src/broker/embedded.ts';
import { detectionTopic } from '../../src/contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../src/consumer/consumer.ts';
import { clockMetrics } from '../../src/consumer/clock-metrics.ts';
import { consumerMetrics } from '../../src/consumer/metrics.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

let broker: RunningBroker;
let store: DuckDbStore;
let consumer: RunningConsumer;
before(async () => {
  broker = await startEmbeddedBroker();
  store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  // Sampled every 100 ms instead of 5 s, so the clock figures reach the store while a test waits.
  consumer = await startConsumer({ url: broker.url, protocol: 4, clientId: 'metrics-test', store, sampleMs: 100 });
});
after(async () => {
  await consumer.stop();
  await store.close();
  await broker.close();
});

const value = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.split(' ')[1],
  );

test('counts received, committed, duplicate and dead-lettered messages, and the seq gaps the store shows', {
  timeout: 30_000,
}, async () => {
  const registry = consumerMetrics(consumer.ingestor, consumer.session, undefined, store);
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'metrics-pub' });
  const topic = detectionTopic({ region: 'eu', site: 'plant-1', camera: 'cam-01' });
  // Captured a minute ago, so the gap is settled; seq 4 and 5 never arrive.
  const events = makeEvents(10, { camera: 'cam-01' }, Date.now() - 60_000, 100).filter((e) => e.seq !== 4 && e.seq !== 5);
  // One event the store already holds and this consumer never saw: its redelivery is refused by the store
  // itself, not the consumer's cache, and must not count as a stored event anywhere, lag histogram included.
  const [held] = makeEvents(1, { camera: 'cam-02' }, Date.now() - 60_000);
  await store.write([held], new Date());
  for (const e of events) await pub.publishAsync(topic, JSON.stringify(e), { qos: 1 });
  await pub.publishAsync(topic, JSON.stringify(events[0]), { qos: 1 });
  await pub.publishAsync(topic, 'not json', { qos: 1 });
  await pub.publishAsync(detectionTopic(held), JSON.stringify(held), { qos: 1 });
  await pub.endAsync();
  await waitFor(() => consumer.ingestor.stats.received === 11 && consumer.session.inFlight === 0, 10_000, 'all eleven handled');
  const text = await registry.metrics();
  assert.equal(value(text, 'seamline_consumer_received_total'), 11);
  assert.equal(value(text, 'seamline_consumer_committed_events_total'), 8);
  assert.equal(value(text, 'seamline_consumer_duplicates_total'), 2);
  assert.equal(value(text, 'seamline_consumer_dead_lettered_total'), 1);
  assert.equal(value(text, 'seamline_consumer_in_flight'), 0);
  assert.equal(value(text, 'seamline_seq_gaps{region="eu",site="plant-1",camera="cam-01"}'), 2);
  assert.match(text, /seamline_consumer_end_to_end_lag_seconds_count 8/);
});

const gauge = (text: string, camera: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`seamline_camera_clock_offset_seconds{region="eu",site="plant-1",camera="${camera}"} `))
      ?.split(' ')[1],
  );

test("the consumer samples each camera's clock offset into the store, and /metrics reads it back per camera", {
  timeout: 30_000,
}, async () => {
  const registry = clockMetrics(new Registry(), store);
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'clock-pub' });
  const now = Date.now();
  // One camera whose clock is an hour behind, one 30 s ahead, one right.
  const cameras = { behind: now - 3_600_000, ahead: now + 30_000, healthy: now };
  for (const [camera, at] of Object.entries(cameras)) {
    for (const e of makeEvents(5, { camera }, at, 10)) await pub.publishAsync(detectionTopic(e), JSON.stringify(e), { qos: 1 });
  }
  await pub.endAsync();
  let text = '';
  await waitFor(
    async () => {
      text = await registry.metrics();
      return Object.keys(cameras).every((c) => Number.isFinite(gauge(text, c)));
    },
    10_000,
    'a clock offset for each camera in /metrics',
  );
  // Each figure is the camera's clock plus the pipeline's own lag: at least now - its newest captured_at.
  for (const [camera, at] of Object.entries(cameras)) {
    const v = gauge(text, camera);
    const floor = (now - (at + 40)) / 1000;
    assert.ok(v >= floor && v < floor + 5, `${camera}: ${v} s, expected ${floor} s plus the pipeline's lag`);
  }
  assert.match(text, /# TYPE seamline_camera_clock_offset_seconds gauge/);
});
