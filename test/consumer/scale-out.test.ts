import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { publishInWorker } from '../../src/proof/bench/spawn-worker.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
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

async function counts(): Promise<{ events: number; distinct: number; detections: number }> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT (SELECT count(*) FROM events) AS events, (SELECT count(DISTINCT event_id) FROM events) AS distinct, (SELECT count(*) FROM detections) AS detections',
    );
    return { events: Number(rows[0].events), distinct: Number(rows[0].distinct), detections: Number(rows[0].detections) };
  } catch {
    return { events: 0, distinct: 0, detections: 0 };
  } finally {
    await client.end();
  }
}

test('two consumers split one shared subscription, one is SIGKILLed mid-stream, and every detection is stored exactly once', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const first = await consumer('scale-a', p1);
  await consumer('scale-b', p2);
  const total = 24_000;
  const publishing = publishInWorker({ url: broker.url, count: total, rate: 4_000, cameras: 6, protocolVersion: 5, window: 1000, clientId: 'scale-pub' });

  await waitFor(async () => (await scrape(`http://127.0.0.1:${p1}/metrics`, 'seamline_consumer_received_total')) > 3_000, 20_000, 'consumer a to take a share');
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
  await new Promise((r) => setTimeout(r, 500));
  const final = await counts();
  assert.deepEqual(final, { events: total, distinct: total, detections: 2 * total });
});

test('one consumer process with four connections in the group stores every event once and acknowledges all of them', async () => {
  // Its own group, and the earlier consumers gone, so only the pool can store these. (Mosquitto keeps
  // dispatching to a group member whose persistent session is offline, so it must not share their group.)
  for (const c of running.splice(0)) c.child.kill('SIGKILL');
  const before = await counts();
  const port = await freePort();
  const c = await spawnConsumer(['--url', broker.url, '--client-id', 'pooled', '--group', 'pooled', '--connections', '4', '--store', postgres.url, '--metrics-port', String(port)]);
  running.push(c);
  const { published } = await publishInWorker({ url: broker.url, count: 6_000, rate: 0, cameras: 6, protocolVersion: 5, window: 1000, clientId: 'pool-pub' });
  await waitFor(async () => (await counts()).distinct - before.distinct === published, 30_000, 'every event stored');
  const after = await counts();
  assert.equal(after.events - before.events, 6_000);
  assert.equal(after.distinct, after.events);
  // Each delivery is acknowledged on the connection it came in on; a misrouted ack would leave it in flight.
  await waitFor(async () => (await scrape(`http://127.0.0.1:${port}/metrics`, 'seamline_consumer_in_flight')) === 0, 10_000, 'nothing in flight');
});
