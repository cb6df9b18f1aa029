import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBBlobValue } from '@duckdb/node-api';
import { evidenceMetrics } from '../../../src/consumer/evidence/evidence-metrics.ts';
import { startEvidenceConsumer, type RunningEvidenceConsumer } from '../../../src/consumer/evidence/start-evidence.ts';
import { startMosquitto, type RunningMosquitto } from '../../../src/proof/services/mosquitto.ts';
import { evidenceDirFor } from '../../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { DuckDbStore } from '../../../src/store/duckdb/store.ts';
import { waitFor } from '../../helpers/wait.ts';
import { goodMessages, interleave, poisonMessages, publishAll } from './evidence-traffic.ts';

// Each test its own share group: a stopped consumer's session stays in its group with the broker and takes its share.
let broker: RunningMosquitto;
const dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-ingest-'));
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The embedded shape: a DuckDB file for the events and dead letters, the evidence directory beside it. */
async function embedded(name: string) {
  const path = join(dir, `${name}.duckdb`);
  const deadLetters = new DuckDbStore({ path });
  await deadLetters.open();
  const store = new DirectoryEvidenceStore({ dir: evidenceDirFor(path) });
  await store.open();
  return { path, deadLetters, store };
}

async function deadLettersIn(path: string): Promise<{ topic: string; code: string; payload: Buffer }[]> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  try {
    const rows = (await conn.runAndReadAll('SELECT topic, code, payload FROM dead_letters')).getRowObjects();
    return rows.map((r) => ({ topic: String(r.topic), code: String(r.code), payload: Buffer.from((r.payload as DuckDBBlobValue).bytes) }));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const settled = (c: RunningEvidenceConsumer, total: number) => () => {
  const s = c.ingest.stats;
  return s.received >= total && s.pending === 0;
};

test('evidence into the directory store: N images stored once each byte for byte, each poison dead-lettered once, nothing left unacknowledged', {
  timeout: 60_000,
}, async () => {
  const { path, deadLetters, store } = await embedded('mqtt5');
  const { messages, evidence } = await goodMessages(24);
  const poison = await poisonMessages();
  const opts = { url: broker.url, clientId: 'evidence-dir', group: 'dir', store, deadLetters, retention: { everyMs: 0 } };
  const consumer = await startEvidenceConsumer(opts);
  const registry = evidenceMetrics({ ingest: consumer.ingest.stats, retention: consumer.retention.stats });
  // Every good image twice (a redelivery), poison spread among the first copies.
  const total = messages.length * 2 + poison.length;
  await publishAll(broker.url, [...interleave(messages, poison), ...messages]);
  await waitFor(settled(consumer, total), 30_000, `${total} evidence messages handled`);
  const bytes = evidence.reduce((n, e) => n + e.image.byteLength, 0);
  assert.deepEqual(consumer.ingest.stats, {
    received: total,
    stored: 24,
    bytes,
    duplicates: 24,
    deadLettered: poison.length,
    storeFailures: 0,
    pending: 0,
  });
  assert.equal(consumer.session.inFlight, 0);
  assert.deepEqual(await store.stats(), { images: 24, bytes });
  for (const e of evidence) assert.ok((await store.get(e.header.event_id))?.image.equals(e.image), `image ${e.header.seq} differs`);
  const text = await registry.metrics();
  assert.match(text, /seamline_consumer_evidence_stored_total 24\n/);
  assert.match(text, new RegExp(`seamline_consumer_evidence_dead_lettered_total ${poison.length}\\n`));
  assert.match(text, new RegExp(`seamline_consumer_evidence_bytes_total ${bytes}\\n`));
  assert.match(text, /seamline_consumer_evidence_duplicates_total 24\n/);
  await consumer.stop();
  // Nothing stuck: the same session back (clean start off) is handed nothing again.
  const again = await startEvidenceConsumer(opts);
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(again.ingest.stats.received, 0, 'the broker redelivered what was acknowledged');
  await again.stop();
  await Promise.all([deadLetters.close(), store.close()]);
  const letters = await deadLettersIn(path);
  assert.equal(letters.length, poison.length);
  for (const p of poison) {
    const found = letters.filter((l) => l.payload.equals(p.payload) && l.topic === p.topic);
    assert.equal(found.length, 1, `${p.kind} dead-lettered ${found.length} times`);
    assert.equal(found[0].code, p.code, p.kind);
  }
});

test('evidence over MQTT 3.1.1: the plain subscription, the same accounting', { timeout: 60_000 }, async () => {
  const { path, deadLetters, store } = await embedded('mqtt311');
  const { messages, evidence } = await goodMessages(6, 'cam-03');
  const [poison] = await poisonMessages();
  const consumer = await startEvidenceConsumer({
    url: broker.url,
    clientId: 'evidence-311',
    protocol: 4,
    store,
    deadLetters,
    retention: { everyMs: 0 },
  });
  await publishAll(broker.url, [poison, ...messages, messages[0]], 4);
  await waitFor(settled(consumer, 8), 30_000, '8 evidence messages handled');
  assert.equal(consumer.ingest.stats.stored, 6);
  assert.equal(consumer.ingest.stats.duplicates, 1);
  assert.equal(consumer.ingest.stats.deadLettered, 1);
  assert.equal((await store.list()).length, evidence.length);
  await consumer.stop();
  await Promise.all([deadLetters.close(), store.close()]);
  assert.equal((await deadLettersIn(path)).length, 1);
});

test('evidence retention prunes by age and by bytes and counts what it removed', { timeout: 60_000 }, async () => {
  const { deadLetters, store } = await embedded('retention');
  const { messages, evidence } = await goodMessages(10, 'cam-04');
  const consumer = await startEvidenceConsumer({
    url: broker.url,
    clientId: 'evidence-ret',
    group: 'retention',
    store,
    deadLetters,
    retention: { everyMs: 0 },
  });
  await publishAll(broker.url, messages);
  await waitFor(settled(consumer, 10), 30_000, '10 evidence messages handled');
  consumer.retention.bounds.maxAgeMs = 5_500; // goodMessages captures them 10 s .. 1 s ago, one second apart
  consumer.retention.bounds.maxBytes = evidence.slice(-3).reduce((n, e) => n + e.image.byteLength, 0);
  const nowMs = Date.parse(evidence[9].header.captured_at) + 1_000;
  await consumer.retention.pruneNow(nowMs);
  assert.deepEqual(consumer.retention.stats, {
    prunes: 1,
    prunedImages: 7,
    prunedBytes: evidence.slice(0, 7).reduce((n, e) => n + e.image.byteLength, 0),
    failures: 0,
  });
  assert.equal((await store.stats()).images, 3);
  await consumer.stop();
  await Promise.all([deadLetters.close(), store.close()]);
});
