import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { DetectionV1 } from '../../src/contract/index.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { ALL_CAMERAS, LATENCY, LEVELS, levelTable } from '../../src/store/rollups/schema.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';
import { assertRollupsMatchRaw, rawFromDuckDb, rawFromPostgres } from './rollup-check.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 4, 4, 10, 0, 0);
const CLASSES = ['scratch', 'dent', 'crack'];

/** Events of three cameras on two sites over ~70 minutes, with latencies that differ per camera and drift. */
function plant(count: number, seqFrom = 0): DetectionV1[] {
  const cams = [
    ['site-a', 'cam-1'],
    ['site-a', 'cam-2'],
    ['site-b', 'cam-1'],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [site, camera] = cams[i % cams.length];
    const captured = T0 + (Math.floor(i * 1_373) % (70 * 60_000));
    return makeEvent({
      site,
      camera,
      seq: seqFrom + i,
      captured_at: new Date(captured).toISOString(),
      inferred_at: new Date(captured + 8 + ((i * 37) % 90)).toISOString(),
      detections: Array.from({ length: i % 4 }, (_, k) => ({
        class: CLASSES[(i + k) % 3],
        class_id: k,
        confidence: 0.8,
        bbox: [1, 2, 3, 4],
      })),
    });
  });
}

const committed = (k: number) => new Date(T0 + 71 * 60_000 + k * 1_234);
const window = [T0 - HOUR, T0 + 2 * HOUR] as const;

describe('DuckDB rollups', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'seamline-rollup-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('equal the raw rows after redeliveries, in-batch duplicates, compactions and a reopen', { timeout: 60_000 }, async () => {
    const path = join(dir, 'r.duckdb');
    const events = plant(3_000);
    let store = new DuckDbStore({ path });
    await store.open();
    await store.write(events.slice(0, 1_000), committed(1));
    await store.write([...events.slice(500, 1_500), ...events.slice(1_400, 1_500)], committed(2));
    assert.equal((await store.write(events.slice(0, 1_500), committed(3))).events, 0, 'a whole redelivered batch stores nothing');
    let conn = await store.connect();
    await assertRollupsMatchRaw(store.capabilities.panels, await rawFromDuckDb(conn), ...window);
    assert.ok((await store.compactRollups()) > 0, 'the journal had rows to fold');
    await assertRollupsMatchRaw(store.capabilities.panels, await rawFromDuckDb(conn), ...window);
    conn.closeSync();
    await store.close();

    // After a restart the store no longer knows what it holds: the lookup path decides what is new.
    store = new DuckDbStore({ path });
    await store.open();
    const r = await store.write([...events.slice(1_200, 2_200)], committed(4));
    assert.deepEqual([r.events, r.duplicates], [700, 300]);
    await store.compactRollups();
    await store.write(events.slice(2_000), committed(5));
    conn = await store.connect();
    const raw = await rawFromDuckDb(conn);
    assert.equal(raw.events.length, 3_000);
    assert.equal(await assertRollupsMatchRaw(store.capabilities.panels, raw, ...window), 3_000);
    conn.closeSync();
    await store.close();
  });

  test('a file written before plant rows gets them from its site rows at open, once', { timeout: 60_000 }, async () => {
    const path = join(dir, 'old.duckdb');
    let store = new DuckDbStore({ path });
    await store.open();
    await store.write(plant(2_000), committed(1));
    await store.compactRollups();
    let conn = await store.connect();
    for (const l of LEVELS) await conn.run(`DELETE FROM ${levelTable(LATENCY, l)} WHERE region = '${ALL_CAMERAS}'`);
    const unfiltered = { fromMs: T0, toMs: T0 + 2 * HOUR, stepMs: HOUR };
    assert.equal(
      (await store.capabilities.panels.histograms(unfiltered)).length,
      0,
      'without plant rows the unfiltered read finds nothing',
    );
    conn.closeSync();
    await store.close();
    for (const round of ['first', 'second']) {
      store = new DuckDbStore({ path });
      await store.open();
      conn = await store.connect();
      assert.equal(
        await assertRollupsMatchRaw(store.capabilities.panels, await rawFromDuckDb(conn), ...window),
        2_000,
        `after the ${round} reopen`,
      );
      conn.closeSync();
      await store.close();
    }
  });

  test('log status transitions once each and roll up heartbeats and consumer samples', { timeout: 30_000 }, async () => {
    const store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    await checkStatusHistory(store);
    await store.close();
  });
});

describe('PostgreSQL rollups', () => {
  let postgres: RunningPostgres;
  before(async () => (postgres = await startPostgres()));
  after(async () => postgres?.stop());

  test('equal the raw rows after redeliveries and two stores writing overlapping batches at once', { timeout: 90_000 }, async () => {
    const [a, b] = [new PostgresStore({ url: postgres.url, schema: 'two' }), new PostgresStore({ url: postgres.url, schema: 'two' })];
    await a.open();
    await b.open();
    const events = plant(4_000);
    // Two consumers handed overlapping batches, as a redelivery to the other member of the group would.
    const writes: Promise<unknown>[] = [];
    for (let k = 0; k < 8; k++) {
      writes.push(a.write(events.slice(k * 500, k * 500 + 700), committed(k)));
      writes.push(b.write(events.slice(Math.max(0, k * 500 - 300), k * 500 + 500), committed(k + 1)));
    }
    await Promise.all(writes);
    await a.write(events.slice(1_000, 2_000), committed(20));
    const pool = new pg.Pool({ connectionString: postgres.url, options: '-c search_path=two' });
    pool.on('error', () => {});
    const raw = await rawFromPostgres(pool);
    assert.equal(raw.events.length, 4_000);
    assert.equal(await assertRollupsMatchRaw(a.capabilities.panels, raw, ...window), 4_000);
    await pool.end();
    await a.close();
    await b.close();
  });

  test('a schema written before plant rows gets them from its site rows at open, once, with two stores opening', {
    timeout: 60_000,
  }, async () => {
    const first = new PostgresStore({ url: postgres.url, schema: 'old' });
    await first.open();
    await first.write(plant(2_000), committed(1));
    await first.close();
    const pool = new pg.Pool({ connectionString: postgres.url, options: '-c search_path=old' });
    pool.on('error', () => {});
    for (const l of LEVELS) await pool.query(`DELETE FROM ${levelTable(LATENCY, l)} WHERE region = '${ALL_CAMERAS}'`);
    const stores = [new PostgresStore({ url: postgres.url, schema: 'old' }), new PostgresStore({ url: postgres.url, schema: 'old' })];
    const rows = async (where: string) =>
      Number((await pool.query(`SELECT count(*) AS n FROM ${levelTable(LATENCY, LEVELS[0])} WHERE ${where}`)).rows[0].n);
    assert.equal(await rows(`region = '${ALL_CAMERAS}'`), 0, 'no plant rows, as in a schema from before them');
    assert.ok((await rows(`camera = '${ALL_CAMERAS}'`)) > 0, 'site rows to make them from');
    await Promise.all(stores.map((s) => s.open()));
    assert.ok((await rows(`region = '${ALL_CAMERAS}'`)) > 0, 'plant rows made at open');
    // Both stores ran the backfill's statement; had both inserted, every plant count would be doubled.
    assert.equal(await assertRollupsMatchRaw(stores[0].capabilities.panels, await rawFromPostgres(pool), ...window), 2_000);
    await Promise.all(stores.map((s) => s.close()));
    await pool.end();
  });

  test('log status transitions once each and roll up heartbeats and consumer samples', { timeout: 30_000 }, async () => {
    const store = new PostgresStore({ url: postgres.url, schema: 'status' });
    await store.open();
    await checkStatusHistory(store);
    await store.close();
  });
});

async function checkStatusHistory(store: DuckDbStore | PostgresStore): Promise<void> {
  const at = (s: number) => new Date(T0 + s * 1_000);
  const beat = (depth: number, s: number) =>
    makeStatus({ state: 'online', at: at(s).toISOString(), outbox_depth: depth, oldest_unsent_ms: depth * 10, drops: 0 });
  await store.writeStatus(makeStatus({ state: 'online', at: at(0).toISOString() }), at(0));
  await store.writeStatus(beat(5, 10), at(10));
  await store.writeStatus(beat(40, 20), at(20));
  const will = makeStatus({ state: 'offline', at: at(0).toISOString() });
  await store.writeStatus(will, at(30));
  await store.writeStatus(will, at(30)); // the same last will again (a retained redelivery): no second change
  await store.writeStatus(beat(2, 95), at(95));
  await store.writeConsumerSample!({ consumer: 'c-1', atMs: T0 + 5_000, inFlight: 120, pending: 7 });
  await store.writeConsumerSample!({ consumer: 'c-1', atMs: T0 + 15_000, inFlight: 30, pending: 2 });
  const q = { fromMs: T0, toMs: T0 + 5 * 60_000, stepMs: 60_000 };
  const changes = await store.capabilities.panels.statusChanges(q);
  assert.deepEqual(
    changes.map((c) => [c.state, c.atMs - T0]),
    [
      ['online', 0],
      ['offline', 30_000],
      ['online', 95_000],
    ],
  );
  const later = await store.capabilities.panels.statusChanges({ ...q, fromMs: T0 + 60_000 });
  assert.deepEqual(
    later.map((c) => [c.state, c.atMs - T0]),
    [
      ['offline', 30_000],
      ['online', 95_000],
    ],
    'the state the window opens with, then the changes in it',
  );
  const beats = await store.capabilities.panels.heartbeats(q);
  assert.deepEqual(
    beats.map((b) => [b.period - T0, b.outboxDepth, b.oldestUnsentMs]),
    [
      [0, 40, 400],
      [60_000, 2, 20],
    ],
  );
  const consumers = await store.capabilities.panels.consumers(q);
  assert.deepEqual(
    consumers.map((c) => [c.period - T0, c.consumer, c.inFlight, c.pending]),
    [[0, 'c-1', 120, 7]],
  );
  const hour = await store.capabilities.panels.heartbeats({ fromMs: T0, toMs: T0 + 3_600_000, stepMs: 3_600_000 });
  assert.deepEqual(
    hour.map((b) => b.outboxDepth),
    [40],
  );
}
