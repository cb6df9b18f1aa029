import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { startEmbeddedPipeline, type EmbeddedPipeline } from '../../src/cli/embedded-pipeline.ts';
import { START_DEFAULTS } from '../../src/cli/start-config.ts';
import { detectionTopic } from '../../src/contract/index.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-e2e-'));
let pipeline: EmbeddedPipeline;
before(async () => {
  pipeline = await startEmbeddedPipeline(
    { ...START_DEFAULTS, mqttPort: 0, httpPort: 0, dataDir: dir, cameras: 0 },
    pino({ level: 'silent' }),
  );
});
after(async () => {
  await pipeline.stop();
  rmSync(dir, { recursive: true, force: true });
});

const overview = () => fetch(`${pipeline.dashboard.url}/api/overview?minutes=10`).then((r) => r.json());

test('the embedded pipeline stores exactly the N distinct events among redeliveries and M malformed ones, and keeps running', async () => {
  const N = 400;
  const events = makeEvents(N, { region: 'eu', site: 'site-1', camera: 'cam-01' }, Date.now() - 120_000, 100);
  const topic = detectionTopic({ region: 'eu', site: 'site-1', camera: 'cam-01' });
  const malformed = ['{', '[]', JSON.stringify({ ...events[0], seq: -1 }), JSON.stringify({ ...events[1], camera: 'cam-02' }), 'x'.repeat(300 * 1024)];
  const client = await mqtt.connectAsync(pipeline.broker.url, { protocolVersion: 4, clientId: 'e2e-producer' });
  for (const [i, e] of events.entries()) {
    await client.publishAsync(topic, JSON.stringify(e), { qos: 1 });
    if (i % 8 === 0) await client.publishAsync(topic, JSON.stringify(e), { qos: 1 }); // an exact redelivery
    if (i % 80 === 40) await client.publishAsync(topic, malformed[(i - 40) / 80], { qos: 1 });
  }
  await waitFor(async () => (await overview()).totals.events === N && (await overview()).totals.deadLetters === malformed.length, 20_000, 'N events and M dead letters');
  const o = await overview();
  assert.deepEqual(o.totals, { events: N, detections: 2 * N, deadLetters: malformed.length });
  assert.equal(pipeline.consumer.ingestor.stats.deadLettered, malformed.length);
  assert.equal(pipeline.consumer.ingestor.stats.duplicates, N / 8);
  assert.equal(o.cameras.find((c: { camera: string }) => c.camera === 'cam-01').missing, 0, 'no seq gap');

  // Still running: one more good event is stored.
  await client.publishAsync(topic, JSON.stringify(makeEvents(1, { site: 'site-1', seq: N })[0]), { qos: 1 });
  await waitFor(async () => (await overview()).totals.events === N + 1, 10_000, 'the next event');
  await client.endAsync();
});
