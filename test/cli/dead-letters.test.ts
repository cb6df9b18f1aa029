/**
 * `seamline dead-letters list` and `replay`, run as an operator runs them (bin/seamline.js in a child process),
 * against real Mosquitto, PostgreSQL, VictoriaMetrics and DuckDB files, with real consumers (startConsumer):
 * a message a consumer dead-lettered is stored exactly once after its cause is fixed and it is replayed, byte
 * for byte; a message that is still poison is dead-lettered again; what cannot be republished as it came is
 * skipped with a reason; a dry run publishes nothing; VictoriaMetrics says it keeps no payload.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { detectionTopic } from '../../src/contract/index.ts';
import { startConsumer, type ConsumerOptions, type RunningConsumer } from '../../src/consumer/consumer.ts';
import { readableByMosquitto, startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../../src/proof/services/victoria-metrics.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { LineProtocolStore } from '../../src/store/line-protocol/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import type { DeadLetter, DetectionStore } from '../../src/store/store.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';
import { seamline } from '../helpers/seamline-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-dead-letters-'));
let broker: RunningMosquitto;
let postgres: RunningPostgres;
let vm: RunningVictoriaMetrics;

before(async () => {
  [broker, postgres, vm] = await Promise.all([startMosquitto(), startPostgres(), startVictoriaMetrics()]);
});
after(async () => {
  await Promise.all([broker?.close(), postgres?.stop(), vm?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Everything published under vision/, as a plain subscriber sees it. */
async function spy(url: string): Promise<{ got: { topic: string; payload: Buffer }[]; client: MqttClient }> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `spy-${Math.random().toString(36).slice(2)}`, clean: true });
  const got: { topic: string; payload: Buffer }[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: Buffer.from(payload) }));
  await client.subscribeAsync('vision/#', { qos: 1 });
  return { got, client };
}

async function publish(messages: { topic: string; payload: Buffer }[]): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'dead-letters-producer', clean: true });
  for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1 });
  await client.endAsync();
}

function consume(store: DetectionStore, clientId: string, extra: Partial<ConsumerOptions> = {}): Promise<RunningConsumer> {
  return startConsumer({ url: broker.url, clientId, group: clientId, store, repair: false, sampleMs: 0, ...extra });
}

/** A valid event too large for a consumer started with maxPayloadBytes 1024: what a fixed limit stores. */
const bigEvent = makeEvent({
  camera: 'cam-07',
  detections: Array.from({ length: 30 }, (_, i) => ({
    class: 'scratch',
    class_id: 0,
    confidence: 0.5,
    bbox: [i, i, 10, 10] as [number, number, number, number],
  })),
});
const BIG = { topic: detectionTopic(bigEvent), payload: Buffer.from(JSON.stringify(bigEvent)) };
/** Still poison after any fix: not JSON, with a NUL and a 0xff. */
const BAD = { topic: 'vision/eu/plant-1/cam-01/detection', payload: Buffer.from([0x7b, 0x00, 0xff, 0x7d, 0x0a]) };

/** Letters a consumer could have written that replay must not publish: an escaped topic, a foreign one, a status. */
const unpublishable = (ms: number): DeadLetter[] => [
  {
    topic: 'vision/eu/plant-1/cam\\u0007/detection',
    payload: Buffer.from(JSON.stringify(makeEvent())),
    code: 'SEAM_ERR_BAD_TOPIC',
    reason: 'bell',
    receivedAt: new Date(ms),
  },
  {
    topic: 'factory/line-1/detection',
    payload: Buffer.from('{}'),
    code: 'SEAM_ERR_BAD_TOPIC',
    reason: 'foreign',
    receivedAt: new Date(ms + 1),
  },
  {
    topic: 'vision/eu/plant-1/cam-01/status',
    payload: Buffer.from(JSON.stringify(makeStatus({ state: 'offline' }))),
    code: 'SEAM_ERR_STORE_REFUSED',
    reason: 'old',
    receivedAt: new Date(ms + 2),
  },
];

const sorted = (ms: { topic: string; payload: Buffer }[]) => [...ms].sort((a, b) => Buffer.compare(a.payload, b.payload));

test('PostgreSQL: a dead-lettered event is stored exactly once after the fix and a replay, still-bad poison is dead-lettered again, escaped, foreign and status topics are skipped', {
  timeout: 120_000,
}, async () => {
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].n);
  const store = new PostgresStore({ url: postgres.url });
  await store.open();
  const watcher = await spy(broker.url);
  let consumer = await consume(store, 'pg-consumer', { maxPayloadBytes: 1024 });
  try {
    await publish([BIG, BAD]);
    await waitFor(() => consumer.ingestor.stats.deadLettered === 2, 15_000, 'both dead-lettered by the consumer');
    await store.writeDeadLetters(unpublishable(Date.now()));
    assert.equal(await count('SELECT count(*) AS n FROM events'), 0);
    // The fix: the same consumer restarted with the default payload limit.
    await consumer.stop();
    consumer = await consume(store, 'pg-consumer');
    watcher.got.length = 0;

    const r = await seamline('dead-letters', 'replay', '--store', postgres.url, '--url', broker.url, '--json');
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out.trim().split('\n').pop()!);
    assert.deepEqual([summary.selected, summary.replayed, summary.skipped, summary.failed], [5, 2, 3, 0]);
    assert.deepEqual(Object.values(summary.skipped_by_reason), [1, 1, 1]);
    const reasons = Object.keys(summary.skipped_by_reason).join('\n');
    assert.match(reasons, /\\uXXXX escape/);
    assert.match(reasons, /not a topic the consumer subscribes to/);
    assert.match(reasons, /a status/);

    await waitFor(
      () => watcher.got.length >= 2 && consumer.ingestor.stats.committedEvents === 1 && consumer.ingestor.stats.deadLettered === 1,
      15_000,
      'the replay consumed',
    );
    assert.deepEqual(sorted(watcher.got), sorted([BIG, BAD]), 'byte for byte, to the original topics, nothing else');
    assert.equal(await count('SELECT count(*) AS n FROM events WHERE event_id = $1', [bigEvent.event_id]), 1);
    assert.equal(
      await count(`SELECT count(*) AS n FROM dead_letters WHERE code = 'SEAM_ERR_MALFORMED_JSON' AND payload = $1`, [BAD.payload]),
      1,
      'dead-lettered again as the same letter (its letter_id): still one row',
    );
    assert.equal(
      await count(`SELECT count(*) AS n FROM dead_letters WHERE code = 'SEAM_ERR_PAYLOAD_TOO_LARGE'`),
      1,
      'the replayed letter stays: the table is the record',
    );

    // Replaying the stored event again is harmless: idempotent by event_id.
    const again = await seamline(
      'dead-letters',
      'replay',
      '--store',
      postgres.url,
      '--url',
      broker.url,
      '--code',
      'SEAM_ERR_PAYLOAD_TOO_LARGE',
    );
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^replayed 1, skipped 0, failed 0 of 1 dead letter\(s\) selected/m);
    assert.match(again.out, /still poison is dead-lettered again/);
    await waitFor(() => consumer.ingestor.stats.duplicates === 1, 15_000, 'the second copy seen as a duplicate');
    assert.equal(await count('SELECT count(*) AS n FROM events WHERE event_id = $1', [bigEvent.event_id]), 1);

    const listed = await seamline(
      'dead-letters',
      'list',
      '--store',
      postgres.url,
      '--code',
      'SEAM_ERR_MALFORMED_JSON',
      '--json',
      '--payload',
    );
    assert.equal(listed.code, 0, listed.err);
    const lines = listed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 1, 'the replayed poison is the letter it was (docs/consumer.md#dead-letters)');
    for (const l of lines) assert.deepEqual([l.topic, l.bytes, l.payload_base64], [BAD.topic, 5, BAD.payload.toString('base64')]);
  } finally {
    await consumer.stop();
    await watcher.client.endAsync();
    await store.close();
    await db.end();
  }
});

test('--dry-run publishes nothing where a replay publishes everything, at the rate asked, with progress', { timeout: 60_000 }, async () => {
  const path = join(dir, 'dry-run.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  const start = Date.now() - 60_000;
  const letters: DeadLetter[] = Array.from({ length: 45 }, (_, i) => ({
    topic: `vision/eu/plant-2/cam-${String(i % 3).padStart(2, '0')}/detection`,
    payload: Buffer.from([i, 0x00, 0xff, i]),
    code: 'SEAM_ERR_MALFORMED_JSON',
    reason: 'not JSON',
    receivedAt: new Date(start + i),
  }));
  await store.writeDeadLetters([...letters, ...unpublishable(start + 100)]);
  await store.close();
  const watcher = await spy(broker.url);
  try {
    // The path is live: what is published here reaches the spy.
    await publish([{ topic: 'vision/eu/plant-2/canary/detection', payload: Buffer.from('canary') }]);
    await waitFor(() => watcher.got.length === 1, 5_000, 'the canary');

    const dry = await seamline('dead-letters', 'replay', '--store', path, '--url', broker.url, '--dry-run');
    assert.equal(dry.code, 0, dry.err);
    assert.equal(dry.out.match(/^would replay /gm)?.length, 45);
    assert.equal(dry.out.match(/^skipped /gm)?.length, 3 + 3, 'each skipped letter, then each reason');
    assert.match(dry.out, /^dry run: would replay 45 and skip 3 of 48 dead letter\(s\) selected; nothing was published$/m);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(watcher.got.length, 1, 'nothing but the canary');

    const began = Date.now();
    const real = await seamline('dead-letters', 'replay', '--store', path, '--url', broker.url, '--rate', '15');
    const tookMs = Date.now() - began;
    assert.equal(real.code, 0, real.err);
    assert.match(real.out, /^replayed 45, skipped 3, failed 0 of 48/m);
    assert.match(real.err, /^replay: \d+ of 48 done \(\d+ replayed, \d skipped, 0 failed\)$/m, 'progress on a run longer than 2 s');
    await waitFor(() => watcher.got.length === 46, 5_000, 'the replay');
    const replayed = watcher.got.slice(1);
    assert.deepEqual(
      replayed,
      letters.map((l) => ({ topic: l.topic, payload: l.payload })),
      'oldest first, byte for byte',
    );
    // 15 a second with at most 2 saved up: 43 waits of a fifteenth of a second, 2.9 s.
    assert.ok(tookMs >= 2_800, `took ${tookMs} ms`);
  } finally {
    await watcher.client.endAsync();
  }
});

test('DuckDB: list refuses a file a consumer holds, saying what to do; stopped, replayed and restarted, the consumer stores the event once', {
  timeout: 90_000,
}, async () => {
  const path = join(dir, 'consumer.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  let consumer = await consume(store, 'duck-consumer', { maxPayloadBytes: 1024 });
  try {
    await publish([BIG]);
    await waitFor(() => consumer.ingestor.stats.deadLettered === 1, 15_000, 'dead-lettered');
    const held = await seamline('dead-letters', 'list', '--store', path);
    assert.equal(held.code, 2);
    assert.match(
      held.err,
      /^seamline: SEAM_ERR_STORE_UNAVAILABLE: DuckDB file .* is open in another process, .* PID \d+ \(a running consumer or seamline start\): .*Stop that process/m,
    );

    // Stopped, its session stays with the broker, which queues the replay for it.
    await consumer.stop();
    await store.close();
    const listed = await seamline('dead-letters', 'list', '--store', path);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, new RegExp(`^\\S+Z  SEAM_ERR_PAYLOAD_TOO_LARGE +  ${BIG.topic}  ${BIG.payload.length} B  `, 'm'));
    assert.match(listed.out, /^1 dead letter\(s\), newest first$/m);
    const replayed = await seamline('dead-letters', 'replay', '--store', path, '--url', broker.url);
    assert.equal(replayed.code, 0, replayed.err);
    assert.match(replayed.out, /^replayed 1, skipped 0, failed 0 of 1/m);

    await store.open();
    consumer = await consume(store, 'duck-consumer');
    await waitFor(() => consumer.ingestor.stats.committedEvents === 1, 15_000, 'the queued replay stored');
    assert.deepEqual(await store.totals(), { events: 1, detections: 30, deadLetters: 1 });
  } finally {
    await consumer.stop();
    await store.close();
  }
});

test('VictoriaMetrics: list shows counts per code and says it keeps no payload; replay refuses with exit 2', {
  timeout: 60_000,
}, async () => {
  const store = new LineProtocolStore({ flavour: 'victoriametrics', url: vm.url });
  await store.open();
  await store.writeDeadLetters([
    { ...BAD, code: 'SEAM_ERR_MALFORMED_JSON', reason: 'x', receivedAt: new Date(Date.now() - 2_000) },
    { ...BAD, code: 'SEAM_ERR_MALFORMED_JSON', reason: 'x', receivedAt: new Date(Date.now() - 1_000) },
    { ...BIG, code: 'SEAM_ERR_PAYLOAD_TOO_LARGE', reason: 'y', receivedAt: new Date() },
  ]);
  await store.close();
  const url = vm.url.replace('http://', 'victoriametrics+http://');
  const listed = await seamline('dead-letters', 'list', '--store', url);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /^SEAM_ERR_MALFORMED_JSON +2 {2}10 B$/m);
  assert.match(listed.out, new RegExp(`^SEAM_ERR_PAYLOAD_TOO_LARGE +1  ${BIG.payload.length} B$`, 'm'));
  assert.match(
    listed.out,
    /^victoriametrics keeps no payload, topic or reason of a dead letter.*nothing can be listed in full or replayed from it/m,
  );
  const json = await seamline('dead-letters', 'list', '--store', url, '--json');
  assert.deepEqual(
    json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { code: 'SEAM_ERR_MALFORMED_JSON', count: 2, bytes: 10 },
      { code: 'SEAM_ERR_PAYLOAD_TOO_LARGE', count: 1, bytes: BIG.payload.length },
    ],
  );
  assert.match(json.err, /keeps no payload/);
  const replay = await seamline('dead-letters', 'replay', '--store', url, '--url', broker.url);
  assert.equal(replay.code, 2);
  assert.match(replay.err, /^seamline: SEAM_ERR_CONFIG: victoriametrics keeps no payload/);
});

test('a broker that refuses the publishes makes each one failed and the exit code 1; bad flags exit 2 naming them', {
  timeout: 60_000,
}, async () => {
  // A directory of its own, handed whole to the user Mosquitto drops to (the test's temp dir is not theirs).
  const aclDir = mkdtempSync(join(tmpdir(), 'seamline-acl-'));
  const acl = join(aclDir, 'read-only.acl');
  writeFileSync(acl, 'topic read vision/#\n');
  readableByMosquitto(aclDir);
  const readOnly = await startMosquitto({ extraConfig: [`acl_file ${acl}`] });
  try {
    const path = join(dir, 'refused.duckdb');
    const store = new DuckDbStore({ path });
    await store.open();
    await store.writeDeadLetters([{ ...BAD, code: 'SEAM_ERR_MALFORMED_JSON', reason: 'x', receivedAt: new Date() }]);
    await store.close();
    const r = await seamline('dead-letters', 'replay', '--store', path, '--url', readOnly.url, '--json');
    assert.equal(r.code, 1, r.err);
    const summary = JSON.parse(r.out.trim().split('\n').pop()!);
    assert.deepEqual([summary.replayed, summary.failed], [0, 1]);
    assert.match(summary.failures[0].reason, /not authori[sz]ed/i);

    const since = await seamline('dead-letters', 'list', '--store', path, '--since', 'yesterday');
    assert.equal(since.code, 2);
    assert.equal(
      since.err,
      'seamline: SEAM_ERR_CONFIG: --since yesterday must be a duration back from now (30m, 1h, 7d) or an ISO 8601 time (2026-12-06T08:00:00Z)\n',
    );
    const rate = await seamline('dead-letters', 'replay', '--store', path, '--rate', '0', '--dry-run');
    assert.equal(rate.code, 2);
    assert.match(rate.err, /^seamline: SEAM_ERR_CONFIG: --rate 0 is out of range/);
    const away = await seamline('dead-letters', 'replay', '--store', path, '--url', 'mqtt://127.0.0.1:9');
    assert.equal(away.code, 2);
    assert.match(away.err, /^seamline: SEAM_ERR_BROKER_UNAVAILABLE: MQTT broker mqtt:\/\/127\.0\.0\.1:9 did not accept a connection/);
  } finally {
    await readOnly.close();
    rmSync(aclDir, { recursive: true, force: true });
  }
});
