import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type RunningBroker } from '../../src/broker/embedded.ts';
import { detectionTopic } from '../../src/contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../src/consumer/consumer.ts';
import { consumerMetrics } from '../../src/consumer/metrics.ts';
import { DuckDbStore } from '../../src/store/duckdb.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

let broker: RunningBroker;
let store: DuckDbStore;
let consumer: RunningConsumer;
before(async () => {
  broker = await startEmbeddedBroker();
  store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  consumer = await startConsumer({ url: broker.url, protocolVersion: 4, clientId: 'metrics-test', store });
});
after(async () => {
  await consumer.stop();
  await store.close();
  await broker.close();
});

const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

test('counts received, committed, duplicate and dead-lettered messages, and the seq gaps the store shows', { timeout: 30_000 }, async () => {
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
