import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { publishInWorker } from '../../src/proof/bench/spawn-worker.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { spawnConsumer, type ConsumerProcess } from '../helpers/consumer-process.ts';
import { waitFor } from '../helpers/wait.ts';
import { assertRollupsMatchRaw, rawFromDuckDb, rawFromPostgres } from '../store/rollup-check.ts';

let broker: RunningMosquitto;
let postgres: RunningPostgres;
let dir: string;
const running: ConsumerProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-rollup-crash-'));
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
});
after(async () => {
  for (const c of running) c.child.kill('SIGKILL');
  await Promise.all([broker?.close(), postgres?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const around = (events: { captured: number }[]) =>
  [Math.min(...events.map((e) => e.captured)) - 60_000, Math.max(...events.map((e) => e.captured)) + 60_000] as const;

test('DuckDB rollups equal the raw rows after the consumer is SIGKILLed twice mid-stream', { timeout: 120_000 }, async () => {
  const path = join(dir, 'kill.duckdb');
  const args = ['--url', broker.url, '--client-id', 'rollup-kill', '--group', 'rollup-kill', '--store', path];
  let current = await spawnConsumer(args);
  running.push(current);
  const total = 9_000;
  const publishing = publishInWorker({
    url: broker.url,
    count: total,
    rate: 2_000,
    cameras: 6,
    protocolVersion: 5,
    window: 1000,
    clientId: 'rollup-kill-pub',
  });
  for (let k = 0; k < 2; k++) {
    await pause(1_300);
    current.child.kill('SIGKILL');
    await current.exited;
    current = await spawnConsumer(args);
    running.push(current);
  }
  assert.equal((await publishing).published, total);
  // The file opens only once the consumer lets go of it; a short count gets another round of consuming.
  let raw: Awaited<ReturnType<typeof rawFromDuckDb>>;
  for (let round = 0; ; round++) {
    await pause(2_000);
    current.child.kill('SIGTERM');
    await current.exited;
    const store = new DuckDbStore({ path });
    await store.open();
    const conn = await store.connect();
    raw = await rawFromDuckDb(conn);
    if (raw.events.length >= total || round === 4) {
      assert.equal(raw.events.length, total, 'every event stored once');
      assert.equal(await assertRollupsMatchRaw(store.capabilities.panels, raw, ...around(raw.events)), total);
      conn.closeSync();
      await store.close();
      break;
    }
    conn.closeSync();
    await store.close();
    current = await spawnConsumer(args);
    running.push(current);
  }
});

test('PostgreSQL rollups equal the raw rows with two consumers, one SIGKILLed mid-stream and restarted', { timeout: 120_000 }, async () => {
  const args = (id: string) => ['--url', broker.url, '--client-id', id, '--group', 'rollup-two', '--store', postgres.url];
  const first = await spawnConsumer(args('rollup-a'));
  running.push(first, await spawnConsumer(args('rollup-b')));
  const total = 12_000;
  const publishing = publishInWorker({
    url: broker.url,
    count: total,
    rate: 3_000,
    cameras: 6,
    protocolVersion: 5,
    window: 1000,
    clientId: 'rollup-two-pub',
  });
  await pause(1_500);
  first.child.kill('SIGKILL');
  await first.exited;
  await pause(500);
  running.push(await spawnConsumer(args('rollup-a')));
  assert.equal((await publishing).published, total);
  const pool = new pg.Pool({ connectionString: postgres.url });
  // An idle connection the server drops at the end (after the hook stops it) must not crash the file.
  pool.on('error', () => {});
  try {
    await waitFor(
      async () => Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n) >= total,
      60_000,
      'every event in PostgreSQL',
    );
    await pause(500);
    const raw = await rawFromPostgres(pool);
    assert.equal(raw.events.length, total);
    const store = new PostgresStore({ url: postgres.url });
    await store.open();
    assert.equal(await assertRollupsMatchRaw(store.capabilities.panels, raw, ...around(raw.events)), total);
    await store.close();
  } finally {
    await pool.end();
  }
});
