import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { detectionTopic, type DetectionV1 } from '../../src/contract/index.ts';
import { startConsumer } from '../../src/consumer/consumer.ts';
import type { Delivery } from '../../src/consumer/mqtt/subscriber-session.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import type { WriteResult } from '../../src/store/store.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

/** DuckDB whose commits wait for the test to open a gate: a slow store, for real. */
class GatedStore extends DuckDbStore {
  release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  /** event_ids whose write has returned, i.e. committed. */
  readonly committed = new Set<string>();
  override async write(events: readonly DetectionV1[], committedAt: Date): Promise<WriteResult> {
    await this.gate;
    const result = await super.write(events, committedAt);
    for (const e of events) this.committed.add(e.event_id);
    return result;
  }
}

let broker: RunningMosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(() => broker.close());

test('keeps hundreds of messages in flight during a slow commit and acknowledges none before its batch commits', {
  timeout: 30_000,
}, async () => {
  const store = new GatedStore({ path: ':memory:' });
  await store.open();
  const consumer = await startConsumer({ url: broker.url, clientId: 'gated', store, batchSize: 100 });
  // Count acks, and note for each whether its own event was already committed at that moment.
  const acks: { eventId: string; committedFirst: boolean }[] = [];
  const ack = consumer.session.ack.bind(consumer.session);
  consumer.session.ack = (d: Delivery) => {
    const eventId = (JSON.parse(d.payload.toString()) as DetectionV1).event_id;
    acks.push({ eventId, committedFirst: store.committed.has(eventId) });
    ack(d);
  };

  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'gated-pub' });
  const topic = detectionTopic({ region: 'eu', site: 'plant-1', camera: 'cam-01' });
  await Promise.all(makeEvents(500).map((e) => pub.publishAsync(topic, JSON.stringify(e), { qos: 1 })));
  await pub.endAsync();

  await waitFor(() => consumer.session.inFlight === 500, 10_000, 'all 500 in flight');
  assert.ok(consumer.session.inFlight >= 100);
  assert.equal(acks.length, 0, 'nothing acknowledged while the commit is held');
  assert.equal((await store.totals()).events, 0);

  store.release();
  await waitFor(() => consumer.session.inFlight === 0, 10_000, 'every message acknowledged');
  assert.equal(acks.length, 500);
  assert.deepEqual(
    acks.filter((a) => !a.committedFirst),
    [],
    'every ack came after its own event committed',
  );
  assert.equal((await store.totals()).events, 500);
  await consumer.stop();
  await store.close();
});
