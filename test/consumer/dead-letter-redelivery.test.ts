import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import pg from 'pg';
import { KILL_AFTER_DEAD_LETTERS, KILL_CONSENT } from '../../src/consumer/ingest/batch-commit.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { spawnConsumer, type ConsumerProcess } from '../helpers/consumer-process.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * A poison message redelivered after a consumer crash is one dead letter: the consumer SIGKILLs itself (the
 * test-only hook in src/consumer/ingest/batch-commit.ts) once its dead letters are committed and before the
 * PUBACKs leave, the broker redelivers every poison message to the restarted consumer, and the store holds
 * exactly as many dead letters as poison messages were published.
 */

let broker: RunningMosquitto;
let postgres: RunningPostgres;
let dir: string;
const running: ConsumerProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-dead-redelivery-'));
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
});
after(async () => {
  for (const c of running) c.child.kill('SIGKILL');
  await Promise.all([broker?.close(), postgres?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const POISON = [
  Buffer.from('not json at all'),
  Buffer.from('{"schema_version":"detection.v9","event_id":"x"}'),
  Buffer.from([0x7b, 0xff, 0xfe, 0x00]),
];

async function publishPoison(topic: string): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `poison-${Date.now()}` });
  for (const payload of POISON) await client.publishAsync(topic, payload, { qos: 1 });
  await client.endAsync();
}

async function duckCount(path: string): Promise<number> {
  const store = new DuckDbStore({ path });
  await store.open();
  const conn = await store.connect();
  try {
    const rows = (await conn.runAndReadAll('SELECT count(*) AS n FROM dead_letters')).getRowObjects();
    return Number(rows[0].n);
  } finally {
    conn.closeSync();
    await store.close();
  }
}

async function pgCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM dead_letters')).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Kill after the dead-letter commit, restart, let the broker redeliver; returns what the store and the second run counted. */
async function crashAndRedeliver(name: string, store: string, count: () => Promise<number>) {
  const args = ['--url', broker.url, '--client-id', name, '--group', name, '--store', store, '--no-evidence', '--no-repair'];
  const first = await spawnConsumer([...args, '--flush-ms', '300'], { [KILL_AFTER_DEAD_LETTERS]: KILL_CONSENT });
  running.push(first);
  const killed = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
  await publishPoison(`vision/eu/plant-1/${name}/detection`);
  assert.equal(await killed, 'SIGKILL', 'the consumer killed itself after its dead-letter commit');
  const beforeRedelivery = await count();
  assert.ok(beforeRedelivery >= 1, `the dead letters of the first batch were committed before the kill (${beforeRedelivery})`);

  const second = await spawnConsumer(args);
  running.push(second);
  // The poison log names each message the restarted consumer dead-lettered again (poison-log.ts logs the first 10 a minute one by one).
  const relettered = () =>
    second
      .log()
      .split('\n')
      .filter((l) => l.includes('"msg":"dead-lettered: ')).length;
  await waitFor(() => relettered() >= POISON.length, 20_000, 'redelivery');
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, 'the restarted consumer committed and stopped cleanly');
  const redelivered = relettered();
  return { beforeRedelivery, redelivered, stored: await count() };
}

test('DuckDB: poison redelivered after a SIGKILL between the dead-letter commit and the PUBACK is kept once', {
  timeout: 90_000,
}, async () => {
  const path = join(dir, 'dead.duckdb');
  const r = await crashAndRedeliver('dl-duck', path, () => duckCount(path));
  assert.equal(r.redelivered, POISON.length, 'the broker redelivered every poison message to the restarted consumer');
  assert.equal(r.stored, POISON.length, 'one dead letter per poison message published');
});

test('PostgreSQL: poison redelivered after a SIGKILL between the dead-letter commit and the PUBACK is kept once', {
  timeout: 90_000,
}, async () => {
  const url = postgres.url;
  const r = await crashAndRedeliver('dl-pg', url, () => pgCount(url));
  assert.equal(r.redelivered, POISON.length, 'the broker redelivered every poison message to the restarted consumer');
  assert.equal(r.stored, POISON.length, 'one dead letter per poison message published');
});
