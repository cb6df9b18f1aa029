/**
 * `seamline consumer` takes the evidence images beside the detections (docs/evidence.md): with a DuckDB store
 * the images land in the folder beside the file, byte for byte, poison is dead-lettered and counted; with
 * --no-evidence it leaves them with the broker, where the next consumer that keeps evidence finds them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { evidenceDirFor } from '../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { goodMessages, interleave, poisonMessages, publishAll } from '../consumer/evidence/evidence-traffic.ts';
import { scrape, spawnConsumer } from '../helpers/consumer-process.ts';
import { waitFor } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-consumer-evidence-'));
let broker: RunningMosquitto;

before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every image the folder holds, by event_id. */
async function storedImages(duckdb: string): Promise<Map<string, Buffer>> {
  const store = new DirectoryEvidenceStore({ dir: evidenceDirFor(duckdb), readOnly: true });
  await store.open();
  try {
    const out = new Map<string, Buffer>();
    for (const entry of await store.list({ limit: 1000 })) {
      out.set(entry.header.event_id, (await store.get(entry.header.event_id))!.image);
    }
    return out;
  } finally {
    await store.close();
  }
}

test('seamline consumer keeps every evidence image beside its DuckDB file, once, byte-identical; poison dead-lettered', {
  timeout: 90_000,
}, async () => {
  const duckdb = join(dir, 'kept.duckdb');
  const port = await freePort();
  const consumer = await spawnConsumer([
    '--url',
    broker.url,
    '--store',
    duckdb,
    '--no-repair',
    '--client-id',
    'ev-kept',
    '--group',
    'ev-kept',
    '--metrics-port',
    String(port),
  ]);
  const metrics = `http://127.0.0.1:${port}/metrics`;
  try {
    const { messages, evidence } = await goodMessages(12);
    const poison = await poisonMessages();
    await publishAll(broker.url, interleave([...messages, ...messages], poison));
    await waitFor(
      async () => (await scrape(metrics, 'seamline_consumer_evidence_received_total')) === 24 + poison.length,
      30_000,
      'every message received',
    );
    await waitFor(async () => (await scrape(metrics, 'seamline_consumer_evidence_pending')) === 0, 15_000, 'nothing pending');
    assert.equal(await scrape(metrics, 'seamline_consumer_evidence_stored_total'), 12);
    assert.equal(await scrape(metrics, 'seamline_consumer_evidence_duplicates_total'), 12);
    assert.equal(await scrape(metrics, 'seamline_consumer_evidence_dead_lettered_total'), poison.length);
    consumer.child.kill('SIGTERM');
    assert.equal(await consumer.exited, 0, consumer.log().slice(-2000));
    const stored = await storedImages(duckdb);
    assert.equal(stored.size, 12);
    for (const e of evidence) assert.ok(stored.get(e.header.event_id)?.equals(e.image), `image of ${e.header.event_id} byte-identical`);
  } finally {
    consumer.child.kill('SIGKILL');
  }
});

test('with --no-evidence the images stay with the broker, and a consumer that keeps evidence takes them later', {
  timeout: 90_000,
}, async () => {
  const duckdb = join(dir, 'left.duckdb');
  const group = ['--url', broker.url, '--store', duckdb, '--no-repair', '--client-id', 'ev-left', '--group', 'ev-left'];
  // The group's evidence share exists before anything is published, so the broker keeps what arrives.
  const first = await spawnConsumer(group);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  const without = await spawnConsumer([...group, '--no-evidence']);
  const { messages, evidence } = await goodMessages(5, 'cam-05');
  try {
    await publishAll(broker.url, messages);
    await new Promise((r) => setTimeout(r, 1500));
    without.child.kill('SIGTERM');
    assert.equal(await without.exited, 0, without.log().slice(-2000));
    assert.equal((await storedImages(duckdb)).size, 0, 'nothing stored without evidence');
    assert.match(without.log(), /consumer running/);
  } finally {
    without.child.kill('SIGKILL');
  }
  const port = await freePort();
  const keeper = await spawnConsumer([...group, '--metrics-port', String(port)]);
  try {
    await waitFor(
      async () => (await scrape(`http://127.0.0.1:${port}/metrics`, 'seamline_consumer_evidence_stored_total')) === 5,
      30_000,
      'the waiting images stored',
    );
    keeper.child.kill('SIGTERM');
    assert.equal(await keeper.exited, 0);
    const stored = await storedImages(duckdb);
    assert.deepEqual([...stored.keys()].sort(), evidence.map((e) => e.header.event_id).sort());
    assert.ok(existsSync(evidenceDirFor(duckdb)));
  } finally {
    keeper.child.kill('SIGKILL');
  }
});
