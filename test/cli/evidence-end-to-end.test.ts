/**
 * Evidence end to end on real components (docs/evidence.md): the synthetic conveyor through the bundled model
 * in `seamline edge`, its images on their own queue and connection into Mosquitto, `seamline consumer` into
 * each evidence store: the folder beside its DuckDB file, and PostgreSQL. Every image the edge captured is
 * stored once, byte for byte as the edge published it, and linked to an event the edge published, with that
 * event's seq and captured_at; the export of the run reads back as a YOLO dataset of the stored boxes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { decodeEvidence, EVIDENCE_FILTER, type Evidence } from '../../src/contract/index.ts';
import { killWithUs } from '../../src/plumbing/children.ts';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import type { EvidenceStore } from '../../src/store/evidence/evidence-store.ts';
import { createEvidenceStore } from '../../src/store/registry/registry.ts';
import { storeConfigFromUrl } from '../../src/store/config.ts';
import { shippedModel } from '../edge/detector/support.ts';
import { collect, tempDir } from '../edge/support.ts';
import { scrape, spawnConsumer } from '../helpers/consumer-process.ts';
import { seamline } from '../helpers/seamline-cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { assertReproducesStore, readDataset } from '../helpers/yolo-dataset.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
let broker: RunningMosquitto;
let postgres: RunningPostgres;
const tmp = tempDir('seamline-evidence-e2e-');

before(async () => {
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
});
after(async () => {
  await Promise.all([broker?.close(), postgres?.stop()]);
  tmp.cleanup();
});

/** Every evidence message on the broker, decoded, by event_id: what the edge published. */
async function publishedImages(url: string): Promise<{ byId: Map<string, Evidence>; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(url, { clientId: `e2e-images-${process.pid}`, clean: true });
  const byId = new Map<string, Evidence>();
  client.on('message', (topic, payload) => {
    const decoded = decodeEvidence(topic, payload);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
    byId.set(decoded.evidence.header.event_id, decoded.evidence);
  });
  await client.subscribeAsync(EVIDENCE_FILTER, { qos: 1 });
  return { byId, close: () => client.endAsync() };
}

/** The edge's JSON log line with the camera pipeline's final stats. */
function stoppedStats(log: string): { evidence?: { captured: number; refused: number } } {
  const line = log.split('\n').find((l) => l.includes('"camera pipeline stopped"'));
  assert.ok(line, `no 'camera pipeline stopped' line in the edge log: ${log.slice(-1500)}`);
  return JSON.parse(line);
}

for (const kind of ['directory', 'postgres'] as const) {
  test(`${kind}: every image the edge captures is stored once, byte for byte, linked to its published event`, { timeout: 180_000 }, () =>
    endToEnd(kind === 'directory' ? `${tmp.dir}/plant.duckdb` : postgres.url, kind),
  );
}

async function endToEnd(storeUrl: string, kind: string): Promise<void> {
  const metricsPort = await freePort();
  const events = await collect(broker.url, { filter: 'vision/+/+/+/detection' });
  const statuses = await collect(broker.url, { filter: 'vision/+/+/+/status' });
  const published = await publishedImages(broker.url);
  const consumer = await spawnConsumer([
    '--url',
    broker.url,
    '--store',
    storeUrl,
    '--no-repair',
    '--client-id',
    `e2e-${kind}`,
    // Its own group: the other store's consumer left a persistent session in the default one, and Mosquitto
    // hands a shared subscription's messages to offline sessions too.
    '--group',
    `e2e-${kind}`,
    '--metrics-port',
    String(metricsPort),
  ]);
  const metrics = `http://127.0.0.1:${metricsPort}/metrics`;
  const args = ['edge', '--source', 'synthetic', '--model', shippedModel('seamline-conveyor.onnx'), '--fps', '5', '--url', broker.url];
  args.push(
    '--camera',
    `conveyor-${kind}`,
    '--data-dir',
    `${tmp.dir}/edge-${kind}`,
    '--http-port',
    '-1',
    '--heartbeat',
    '1',
    '--log-level',
    'info',
  );
  args.push('--evidence-interval', '0', '--evidence-exclude', 'part');
  const edge = killWithUs(spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  edge.stderr!.on('data', (d) => (log += d));
  const edgeExit = new Promise((r) => edge.once('exit', r));
  try {
    await waitFor(
      async () => (await scrape(metrics, 'seamline_consumer_evidence_stored_total')) >= 8,
      90_000,
      `8 images stored (edge: ${log.slice(-800)})`,
    );
    const beat = () => statuses.statuses.map((s) => s.message).find((m) => Number(m.evidence_captured) > 0);
    await waitFor(() => beat() !== undefined, 15_000, 'a heartbeat counting captured images');
    edge.kill('SIGTERM');
    await edgeExit;
    const captured = stoppedStats(log).evidence!.captured;
    await waitFor(
      async () => (await scrape(metrics, 'seamline_consumer_evidence_stored_total')) === captured,
      30_000,
      `all ${captured} captured images stored`,
    );
    assert.equal(await scrape(metrics, 'seamline_consumer_evidence_dead_lettered_total'), 0);
    // The edge numbered every image it captured, and the consumer's gauge says none of those numbers is missing.
    const gauge = (await fetch(metrics).then((r) => r.text()))
      .split('\n')
      .filter((l) => l.startsWith('seamline_consumer_evidence_images_missing{'));
    assert.equal(gauge.length, 1, gauge.join('\n'));
    assert.ok(gauge[0].includes('camera="') && gauge[0].endsWith('} 0'), gauge[0]);
    consumer.child.kill('SIGTERM');
    assert.equal(await consumer.exited, 0);

    const store = (await createEvidenceStore(storeConfigFromUrl(storeUrl, { readOnly: true }), { readOnly: true }))!;
    await store.open();
    const entries = await store.list({ limit: 10_000 });
    assert.equal(entries.length, captured, 'each captured image stored exactly once');
    const numbers = entries.map((e) => e.header.image_stream!.seq).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: captured }, (_, i) => i),
      'numbered 0 to captured - 1, none skipped',
    );
    const [gaps, ...others] = await store.imageGaps();
    assert.deepEqual([gaps.newest, gaps.received, gaps.missing, others.length], [captured - 1, captured, 0, 0]);
    for (const { header } of entries) {
      const event = events.byId.get(header.event_id);
      assert.ok(event, `image ${header.event_id} names an event the edge published`);
      assert.equal(header.seq, event.seq);
      assert.equal(header.captured_at, event.captured_at);
      assert.deepEqual(header.frame, event.frame);
      assert.deepEqual(header.detections, event.detections, "the image carries its event's boxes");
      assert.ok(
        event.detections.some((d) => d.class !== 'part' && d.confidence >= 0.5),
        'the policy kept it for a non-part class',
      );
      const image = (await store.get(header.event_id))!.image;
      const sent = published.byId.get(header.event_id);
      assert.ok(sent, `image ${header.event_id} was published by the edge`);
      assert.ok(image.equals(sent.image), 'stored byte for byte as the edge encoded and published it');
      assert.deepEqual(header, sent.header);
    }
    await exportReadsBack(storeUrl, store, captured, kind);
    await store.close();
  } finally {
    edge.kill('SIGKILL');
    consumer.child.kill('SIGKILL');
    await Promise.all([events.close(), statuses.close(), published.close()]);
  }
}

/**
 * `seamline evidence export` of that run (issue 25): the folder opens as a YOLO dataset (data.yaml parses,
 * every image has its label file), the image bytes are the stored bytes, and every label line, denormalised
 * by the frame, reproduces a stored box (within 1e-6 of the frame's size). Then filtered by the run's model.
 */
async function exportReadsBack(storeUrl: string, store: EvidenceStore, captured: number, kind: string): Promise<void> {
  const run = async (...args: string[]) => {
    const { code, err } = await seamline('evidence', 'export', '--store', storeUrl, ...args);
    assert.equal(code, 0, err);
  };
  await run('--out', `${tmp.dir}/dataset-${kind}`);
  const dataset = readDataset(`${tmp.dir}/dataset-${kind}`);
  assert.equal(dataset.items.size, captured, 'every stored image exported');
  const lines = await assertReproducesStore(dataset, store);
  assert.ok(lines >= captured, `${lines} label lines for ${captured} images`);
  const model = (await store.list({ limit: 1 }))[0].header.model;
  assert.ok(model, "the images name the edge's model");
  await run('--out', `${tmp.dir}/dataset-${kind}-model`, '--model', model.name, '--model-version', model.version);
  assert.equal(readDataset(`${tmp.dir}/dataset-${kind}-model`).items.size, captured, "every image names the run's model");
  await run('--out', `${tmp.dir}/dataset-${kind}-other`, '--model-version', `${model.version}-not`);
  assert.equal(readDataset(`${tmp.dir}/dataset-${kind}-other`).items.size, 0);
}
