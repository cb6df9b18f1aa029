import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stopStepLogger } from '../helpers/pipeline-logger.ts';
import { startEmbeddedPipeline, type EmbeddedPipeline } from '../../src/cli/services/embedded-pipeline.ts';
import { START_DEFAULTS } from '../../src/cli/config/start.ts';
import { detectionTopic } from '../../src/contract/index.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-e2e-'));
let pipeline: EmbeddedPipeline;
before(
  async () => {
    pipeline = await startEmbeddedPipeline({ ...START_DEFAULTS, mqttPort: 0, httpPort: 0, dataDir: dir, cameras: 0 }, stopStepLogger());
  },
  { timeout: 120_000 },
);
after(
  async () => {
    await pipeline.stop();
    rmSync(dir, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

const overview = () => fetch(`${pipeline.dashboard.url}/api/overview?minutes=10`).then((r) => r.json());

test('the embedded pipeline stores exactly the N distinct events among redeliveries and M malformed ones, shows the seq gaps there are and no others, and keeps running', {
  timeout: 60_000,
}, async (t) => {
  const N = 400;
  const events = makeEvents(N, { region: 'eu', site: 'site-1', camera: 'cam-01' }, Date.now() - 120_000, 100);
  const topic = detectionTopic({ region: 'eu', site: 'site-1', camera: 'cam-01' });
  // A second camera with three seqs missing: the gap count is live, so cam-01's 0 is an answer, not an absence.
  const gapped = makeEvents(20, { region: 'eu', site: 'site-1', camera: 'cam-02' }, Date.now() - 120_000, 100).filter(
    (e) => ![5, 6, 7].includes(e.seq),
  );
  const total = N + gapped.length;
  const malformed = [
    '{',
    '[]',
    JSON.stringify({ ...events[0], seq: -1 }),
    JSON.stringify({ ...events[1], camera: 'cam-02' }),
    'x'.repeat(300 * 1024),
  ];
  const client = await mqtt.connectAsync(pipeline.broker.url, { protocolVersion: 4, clientId: 'e2e-producer' });
  // Closed however the test ends: a producer left connected kept the embedded broker, and so the file, from ending.
  t.after(() => client.endAsync(true));
  for (const [i, e] of events.entries()) {
    await client.publishAsync(topic, JSON.stringify(e), { qos: 1 });
    if (i % 8 === 0) await client.publishAsync(topic, JSON.stringify(e), { qos: 1 }); // an exact redelivery
    if (i % 80 === 40) await client.publishAsync(topic, malformed[(i - 40) / 80], { qos: 1 });
  }
  for (const e of gapped) await client.publishAsync(detectionTopic(e), JSON.stringify(e), { qos: 1 });
  await waitFor(
    async () => {
      const { totals } = await overview();
      return totals.events === total && totals.deadLetters === malformed.length;
    },
    20_000,
    'every event and every dead letter',
  );
  const o = await overview();
  assert.deepEqual(o.totals, { events: total, detections: 2 * total, deadLetters: malformed.length });
  assert.equal(pipeline.consumer.ingestor.stats.deadLettered, malformed.length);
  assert.equal(pipeline.consumer.ingestor.stats.duplicates, N / 8);
  // The page's consumer panel reads the live counters of this very consumer.
  assert.equal(o.extra.dead_lettered, malformed.length);
  assert.equal(o.extra.duplicates, N / 8);
  const missing = Object.fromEntries(o.cameras.map((c: { camera: string; missing: number | null }) => [c.camera, c.missing]));
  assert.deepEqual(missing, { 'cam-01': 0, 'cam-02': 3 }, 'no seq gap on cam-01, three on cam-02');
  assert.equal(o.seqGaps, 3);

  // Still running: one more good event is stored.
  await client.publishAsync(topic, JSON.stringify(makeEvents(1, { site: 'site-1', seq: N })[0]), { qos: 1 });
  await waitFor(async () => (await overview()).totals.events === total + 1, 10_000, 'the next event');
});
