import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { publishInWorker } from '../../src/proof/bench/spawn-worker.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { redeliverStored } from '../../src/proof/chaos/harness/redeliver.ts';
import { scrape, spawnConsumer, type ConsumerProcess } from '../helpers/consumer-process.ts';
import { waitFor } from '../helpers/wait.ts';

let broker: RunningMosquitto;
let postgres: RunningPostgres;
const running: ConsumerProcess[] = [];

before(async () => {
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
});
after(async () => {
  for (const c of running) c.child.kill('SIGKILL');
  await Promise.all([broker?.close(), postgres?.stop()]);
});

async function consumer(id: string, metricsPort: number): Promise<ConsumerProcess> {
  const c = await spawnConsumer(['--url', broker.url, '--client-id', id, '--store', postgres.url, '--metrics-port', String(metricsPort)]);
  running.push(c);
  return c;
}

/**
 * What PostgreSQL holds. `events` cannot exceed `distinct` while the unique index on event_id exists, so on
 * its own it proves nothing about doubles; `boxes` (the detections the stored events say they carry) is what
 * the detection rows must equal, and the tests redeliver stored events on purpose to see them refused.
 */
async function counts(): Promise<{ events: number; distinct: number; detections: number; boxes: number }> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(DISTINCT event_id) FROM events) AS distinct,
              (SELECT count(*) FROM detections) AS detections, (SELECT coalesce(sum(detections), 0) FROM events) AS boxes`,
    );
    const n = (k: string) => Number(rows[0][k]);
    return { events: n('events'), distinct: n('distinct'), detections: n('detections'), boxes: n('boxes') };
  } catch {
    return { events: 0, distinct: 0, detections: 0, boxes: 0 };
  } finally {
    await client.end();
  }
}

async function stopAll(): Promise<void> {
  for (const c of running.splice(0)) {
    c.child.kill('SIGTERM');
    await c.exited;
  }
}

test('two consumers split one shared subscription, one is SIGKILLed mid-stream, and every detection is stored exactly once', {
  timeout: 120_000,
}, async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const first = await consumer('scale-a', p1);
  await consumer('scale-b', p2);
  const total = 24_000;
  const publishing = publishInWorker({
    url: broker.url,
    count: total,
    rate: 4_000,
    cameras: 6,
    protocolVersion: 5,
    window: 1000,
    clientId: 'scale-pub',
  });

  await waitFor(
    async () => (await scrape(`http://127.0.0.1:${p1}/metrics`, 'seamline_consumer_received_total')) > 3_000,
    20_000,
    'consumer a to take a share',
  );
  const bReceivedBefore = await scrape(`http://127.0.0.1:${p2}/metrics`, 'seamline_consumer_received_total');
  assert.ok(bReceivedBefore > 0, 'both members of the group receive messages');
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, null);

  // The same client id resumes its persistent session: what it had unacknowledged comes back to it.
  await new Promise((r) => setTimeout(r, 1_000));
  await consumer('scale-a', p1);
  const { published } = await publishing;
  assert.equal(published, total);

  await waitFor(async () => (await counts()).distinct === total, 60_000, `${total} distinct events in PostgreSQL`);
  await stopAll();
  // Whatever the kill left committed but unacknowledged may or may not have reached the store twice in this
  // run, so 2,000 stored events are redelivered on purpose to a consumer that has never seen them: each must
  // be acknowledged as a duplicate with nothing inserted, and the counts below must not move.
  const redelivery = await redeliverStored(broker.url, postgres.url, 2_000);
  assert.deepEqual(redelivery, { offered: 2_000, refused: 2_000, inserted: 0, insertedDetections: 0 });
  const final = await counts();
  // Every event has two boxes (src/proof/bench/event-payload.ts): detection rows match both the events' own
  // box counts and what was produced.
  assert.deepEqual(final, { events: total, distinct: total, detections: 2 * total, boxes: 2 * total });
});

test('one consumer process with four connections in the group stores every event once and acknowledges all of them', {
  timeout: 90_000,
}, async () => {
  // Its own group, and the earlier consumers gone, so only the pool can store these. (Mosquitto keeps
  // dispatching to a group member whose persistent session is offline, so it must not share their group.)
  await stopAll();
  const before = await counts();
  const port = await freePort();
  const c = await spawnConsumer([
    '--url',
    broker.url,
    '--client-id',
    'pooled',
    '--group',
    'pooled',
    '--connections',
    '4',
    '--store',
    postgres.url,
    '--metrics-port',
    String(port),
  ]);
  running.push(c);
  const { published } = await publishInWorker({
    url: broker.url,
    count: 6_000,
    rate: 0,
    cameras: 6,
    protocolVersion: 5,
    window: 1000,
    clientId: 'pool-pub',
  });
  await waitFor(async () => (await counts()).distinct - before.distinct === published, 30_000, 'every event stored');
  // Each delivery is acknowledged on the connection it came in on; a misrouted ack would leave it in flight.
  await waitFor(
    async () => (await scrape(`http://127.0.0.1:${port}/metrics`, 'seamline_consumer_in_flight')) === 0,
    10_000,
    'nothing in flight',
  );
  const after = await counts();
  assert.deepEqual([after.events - before.events, after.detections - before.detections, after.detections], [6_000, 12_000, after.boxes]);
  // What the consumer says it inserted is what PostgreSQL gained, and everything it received was either
  // inserted or refused as a duplicate: a write counted twice would break the first, a lost one the second.
  const metric = (name: string) => scrape(`http://127.0.0.1:${port}/metrics`, `seamline_consumer_${name}`);
  const [received, committed, duplicates] = [
    await metric('received_total'),
    await metric('committed_events_total'),
    await metric('duplicates_total'),
  ];
  assert.equal(committed, 6_000);
  assert.equal(received, committed + duplicates);
});
