import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance, type DuckDBBlobValue } from '@duckdb/node-api';
import { isSeamError } from '../../src/contract/index.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { makeEvent, makeEvents } from '../helpers/events.ts';
import { storeContract, type StoreUnderTest } from './store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-duckdb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A file per contract test, so its dead letters can be read back with DuckDB itself once the store let go.
const paths = new WeakMap<StoreUnderTest, string>();
let files = 0;
storeContract(
  'duckdb',
  async () => {
    const path = join(dir, `contract-${++files}.duckdb`);
    const store = new DuckDbStore({ path });
    await store.open();
    paths.set(store, path);
    return store;
  },
  {
    keepsPayload: true,
    async deadLetters(store) {
      await store.close();
      const instance = await DuckDBInstance.create(paths.get(store)!);
      const conn = await instance.connect();
      try {
        const rows = (await conn.runAndReadAll('SELECT topic, code, reason, payload FROM dead_letters')).getRowObjects();
        return rows.map((r) => {
          const payload = Buffer.from((r.payload as DuckDBBlobValue).bytes);
          return { code: String(r.code), bytes: payload.length, topic: String(r.topic), reason: String(r.reason), payload };
        });
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
    },
  },
);

test('duckdb: a file store keeps its rows and its idempotency across reopen', { timeout: 60_000 }, async () => {
  const path = join(dir, 'reopen.duckdb');
  const events = makeEvents(20);
  const first = new DuckDbStore({ path });
  await first.open();
  await first.write(events, new Date());
  await first.close();
  const second = new DuckDbStore({ path });
  await second.open();
  const result = await second.write(events, new Date());
  assert.equal(result.duplicates, 20);
  assert.equal((await second.totals()).events, 20);
  await second.close();
});

test('duckdb: counts seq numbers missing per camera, and none once a late event fills the gap', { timeout: 60_000 }, async () => {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  const start = Date.now() - 10_000;
  const all = makeEvents(20, { camera: 'cam-01' }, start, 100);
  const withoutThree = all.filter((e) => ![4, 5, 11].includes(e.seq));
  await store.write(withoutThree, new Date());
  await store.write(makeEvents(5, { camera: 'cam-02' }, start, 100), new Date());
  assert.deepEqual(
    (await store.seqGaps(start, Date.now())).map((r) => [r.camera, r.missing]),
    [
      ['cam-01', 3],
      ['cam-02', 0],
    ],
  );
  await store.write(all, new Date());
  assert.equal((await store.seqGaps(start, Date.now()))[0].missing, 0);
  await store.close();
});

test('duckdb: a batch larger than one data chunk is stored whole, every column where it belongs', { timeout: 60_000 }, async () => {
  const path = join(dir, 'chunks.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  // 5,000 events span three of DuckDB's 2,048-row data chunks.
  const events = makeEvents(5000, { camera: 'cam-07', seq: 40 }, Date.parse('2026-11-24T08:00:00.000Z'), 7);
  const last = events[4999];
  last.model = { name: 'yolo11s', version: '11.0.2' };
  last.frame = { width: 1920, height: 1080 };
  last.detections = [{ class: 'burr', class_id: 7, confidence: 0.125, bbox: [1.5, 2, 300.25, 4e-3] }];
  const committed = new Date('2026-11-24T09:00:00.000Z');
  const result = await store.write(events, committed);
  assert.deepEqual(result, { events: 5000, detections: 9999, duplicates: 0 });
  await store.close();

  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  const row = (
    await conn.runAndReadAll(
      `SELECT e.region, e.site, e.camera, e.seq, strftime(e.captured_at, '%Y-%m-%dT%H:%M:%S.%g'),
            strftime(e.inferred_at, '%Y-%m-%dT%H:%M:%S.%g'), strftime(e.committed_at, '%Y-%m-%dT%H:%M:%S.%g'),
            e.model_name, e.model_version, e.frame_width, e.frame_height, e.detections,
            d.idx, d.class, d.class_id, d.confidence, d.x, d.y, d.w, d.h
     FROM events e JOIN detections d USING (event_id) WHERE e.event_id = $id`,
      { id: last.event_id },
    )
  ).getRows();
  conn.closeSync();
  instance.closeSync();
  assert.deepEqual(row, [
    [
      'eu',
      'plant-1',
      'cam-07',
      5039n,
      '2026-11-24T08:00:34.993',
      '2026-11-24T08:00:35.018',
      '2026-11-24T09:00:00.000',
      'yolo11s',
      '11.0.2',
      1920,
      1080,
      1,
      0,
      'burr',
      7,
      0.125,
      1.5,
      2,
      300.25,
      4e-3,
    ],
  ]);
});

test('duckdb: the detections view reads positional boxes and rows written in the older keyed form alike', { timeout: 60_000 }, async () => {
  const path = join(dir, 'boxes-forms.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  const [event] = makeEvents(1);
  event.detections = [
    { class: 'burr', class_id: 7, confidence: 0.125, bbox: [1.5, 2, 300.25, 4e-3] },
    { class: 'dent', class_id: 65535, confidence: 1, bbox: [0, 0, 1920, 1080] },
  ];
  await store.write([event], new Date());
  const conn = await store.connect();
  // A row as the store wrote it before the positional form: same event under another id, keyed boxes.
  await conn.run(
    `INSERT INTO event_rows SELECT 'keyed', source, seq, captured_at, inferred_at, committed_at, frame_width, frame_height,
       detections, $boxes FROM event_rows`,
    { boxes: JSON.stringify(event.detections) },
  );
  const read = async (id: string) =>
    (
      await conn.runAndReadAll(`SELECT idx, class, class_id, confidence, x, y, w, h FROM detections WHERE event_id = $id ORDER BY idx`, {
        id,
      })
    ).getRows();
  const expected = [
    [0, 'burr', 7, 0.125, 1.5, 2, 300.25, 4e-3],
    [1, 'dent', 65535, 1, 0, 0, 1920, 1080],
  ];
  assert.deepEqual(await read(event.event_id), expected);
  assert.deepEqual(await read('keyed'), expected);
  const [[text]] = (await conn.runAndReadAll(`SELECT boxes FROM events WHERE event_id = $id`, { id: event.event_id })).getRows();
  assert.equal(text, '[["burr",7,0.125,1.5,2,300.25,0.004],["dent",65535,1,0,0,1920,1080]]');
  conn.closeSync();
  await store.close();
});

test('duckdb: a file with events as a table of every column moves to event_rows at open, rows and idempotency kept', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'wide.duckdb');
  const events = [...makeEvents(30, { camera: 'cam-a' }), ...makeEvents(20, { camera: 'cam-b' })];
  events[49].model = { name: 'yolo11n', version: '11.0.3' };
  const old = await DuckDBInstance.create(path);
  const conn = await old.connect();
  // The layout before event_rows, rows as that store wrote them (keyed boxes).
  await conn.run(`CREATE TABLE events (
    event_id VARCHAR NOT NULL, region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL,
    seq BIGINT NOT NULL, captured_at TIMESTAMP NOT NULL, inferred_at TIMESTAMP NOT NULL,
    committed_at TIMESTAMP NOT NULL, model_name VARCHAR NOT NULL, model_version VARCHAR NOT NULL,
    frame_width INTEGER NOT NULL, frame_height INTEGER NOT NULL, detections INTEGER NOT NULL, boxes VARCHAR NOT NULL)`);
  for (const e of events) {
    await conn.run(
      `INSERT INTO events VALUES ($id, $region, $site, $camera, $seq, $captured::TIMESTAMP, $inferred::TIMESTAMP,
      '2026-11-24 09:00:00'::TIMESTAMP, $name, $version, $w, $h, $n, $boxes)`,
      {
        id: e.event_id,
        region: e.region,
        site: e.site,
        camera: e.camera,
        seq: e.seq,
        captured: e.captured_at.slice(0, -1),
        inferred: e.inferred_at.slice(0, -1),
        name: e.model.name,
        version: e.model.version,
        w: e.frame.width,
        h: e.frame.height,
        n: e.detections.length,
        boxes: JSON.stringify(e.detections),
      },
    );
  }
  const wide = (await conn.runAndReadAll('SELECT * EXCLUDE (boxes) FROM events ORDER BY event_id')).getRows();
  conn.closeSync();
  old.closeSync();

  const store = new DuckDbStore({ path });
  await store.open();
  const reader = await store.connect();
  assert.deepEqual((await reader.runAndReadAll('SELECT * EXCLUDE (boxes) FROM events ORDER BY event_id')).getRows(), wide);
  const [[tables]] = (await reader.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'events'`)).getRows();
  assert.equal(Number(tables), 0, 'events is a view now');
  assert.deepEqual((await reader.runAndReadAll('SELECT count(*) FROM event_sources')).getRows(), [[3n]]);
  const boxes = events.reduce((n, e) => n + e.detections.length, 0);
  assert.deepEqual((await reader.runAndReadAll('SELECT count(*) FROM detections')).getRows(), [[BigInt(boxes)]]);
  reader.closeSync();
  // The moved rows are still found: the whole lot again stores nothing, a new event of a known camera is one row.
  assert.deepEqual(await store.write(events, new Date()), { events: 0, detections: 0, duplicates: 50 });
  const [next] = makeEvents(1, { camera: 'cam-a' }, Date.parse(events[29].captured_at) + 1000);
  assert.equal((await store.write([next], new Date())).events, 1);
  assert.equal((await store.totals()).events, 51);
  await store.close();
});

test('duckdb: seq and timestamps at the ends of what the contract allows are stored exactly', { timeout: 60_000 }, async () => {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  const times = ['0001-01-01T00:00:00.001Z', '1969-12-31T23:59:59.999Z', '2026-11-24T08:00:00.123Z', '9999-12-31T23:59:59.999Z'];
  const events = times.map((at, i) =>
    makeEvent({ camera: `cam-${i}`, seq: Number.MAX_SAFE_INTEGER - i, captured_at: at, inferred_at: at }),
  );
  await store.write(events, new Date('2026-11-24T09:00:00.000Z'));
  const conn = await store.connect();
  const rows = (
    await conn.runAndReadAll(`SELECT seq, epoch_us(captured_at), epoch_us(inferred_at), epoch_us(committed_at) FROM events ORDER BY camera`)
  ).getRows();
  conn.closeSync();
  await store.close();
  // Microseconds, as DuckDB keeps them: a millisecond reading would hide an error of a few microseconds.
  const us = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
  assert.deepEqual(
    rows,
    times.map((at, i) => [BigInt(Number.MAX_SAFE_INTEGER - i), us(at), us(at), us('2026-11-24T09:00:00.000Z')]),
  );
});

test('duckdb: cameras at different delays, redelivered in full, are stored once', { timeout: 60_000 }, async () => {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  const start = Date.parse('2026-11-24T08:00:00.000Z');
  // The slow camera's events arrive 500 ms behind the fast one's, in the same batches.
  const fast = makeEvents(300, { camera: 'fast' }, start + 500, 10);
  const slow = makeEvents(300, { camera: 'slow' }, start, 10);
  for (let i = 0; i < 300; i += 50) {
    const result = await store.write([...fast.slice(i, i + 50), ...slow.slice(i, i + 50)], new Date());
    assert.equal(result.events, 100);
  }
  const again = await store.write([...slow, ...fast], new Date());
  assert.deepEqual(again, { events: 0, detections: 0, duplicates: 600 });
  assert.equal((await store.totals()).events, 600);
  await store.close();
});

test('duckdb: after a reopen, an event stamped in the newest stored millisecond is looked up, not assumed', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'tie.duckdb');
  const at = new Date(Date.parse('2026-11-24T08:00:00.000Z')).toISOString();
  const first = makeEvent({ camera: 'cam-03', captured_at: at, seq: 1 });
  const tie = makeEvent({ camera: 'cam-03', captured_at: at, seq: 2 });
  const store = new DuckDbStore({ path });
  await store.open();
  await store.write([first], new Date());
  await store.close();
  const reopened = new DuckDbStore({ path });
  await reopened.open();
  assert.deepEqual(await reopened.write([first, tie], new Date()), { events: 1, detections: 2, duplicates: 1 });
  assert.deepEqual(await reopened.write([tie, first], new Date()), { events: 0, detections: 0, duplicates: 2 });
  assert.equal((await reopened.totals()).events, 2);
  await reopened.close();
});

test('duckdb: a file from the old layout is refused for good, one another process holds is unavailable for now, naming the path', {
  timeout: 60_000,
}, async () => {
  const old = join(dir, 'old-layout.duckdb');
  const raw = await DuckDBInstance.create(old);
  const conn = await raw.connect();
  await conn.run('CREATE TABLE detections (event_id VARCHAR)');
  conn.closeSync();
  raw.closeSync();
  await assert.rejects(
    new DuckDbStore({ path: old }).open(),
    (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && err.field === 'store.path' && err.message.includes(old),
  );

  const held = join(dir, 'held.duckdb');
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `
    const { DuckDBInstance } = require('@duckdb/node-api');
    DuckDBInstance.create(${JSON.stringify(held)}).then(() => { console.log('open'); setInterval(() => {}, 1000); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await once(holder.stdout, 'data');
    // The holder lets go in time (a consumer still stopping): waited for, like a server that does not answer yet.
    await assert.rejects(
      new DuckDbStore({ path: held }).open(),
      (err) =>
        isSeamError(err, 'SEAM_ERR_STORE_UNAVAILABLE') &&
        err.field === 'store.path' &&
        err.message.includes(held) &&
        /lock/i.test(err.message),
    );
  } finally {
    holder.kill('SIGKILL');
  }
});

test('duckdb: trimCache lets go of the written blocks DuckDB keeps cached, and writing goes on', { timeout: 60_000 }, async () => {
  const store = new DuckDbStore({ path: join(dir, 'trim.duckdb') });
  await store.open();
  const start = Date.parse('2026-11-24T08:00:00.000Z');
  // Past the 16 MB write-ahead-log checkpoint a few times, then a dashboard query over all of it: both
  // leave blocks of the table in DuckDB's buffer pool.
  for (let i = 0; i < 30; i++) await store.write(makeEvents(5000, { seq: i * 5000 }, start + i * 5000, 1), new Date());
  assert.equal(
    (await store.classes(start, start + 150_000)).reduce((n, c) => n + c.detections, 0),
    300_000,
  );
  const { before, after } = await store.trimCache();
  assert.ok(before > 1048576, `cached blocks before the trim: ${before} bytes`);
  // The rollup journals (store/duckdb/rollups.ts) keep one block of rows appended since the last checkpoint; the
  // trim lets go of everything else.
  assert.ok(after < before / 4 + 1048576, `cached blocks after the trim: ${after} of ${before} bytes`);
  const more = await store.write(makeEvents(10, { seq: 150_000 }, start + 200_000, 1), new Date());
  assert.equal(more.events, 10);
  assert.equal((await store.totals()).events, 150_010);
  await store.close();
});

test('duckdb: the log a SIGKILL would leave is checkpointed into the file every two seconds, so a restart has little to replay', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'checkpoint.duckdb');
  const wal = () => (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);
  const store = new DuckDbStore({ path });
  await store.open();
  try {
    const start = Date.now() - 60_000;
    for (let i = 0; i < 20; i++) await store.write(makeEvents(100, { seq: 1 + i * 100 }, start + i * 100, 1), new Date());
    assert.ok(wal() > 100_000, `the writes are in the log first: ${wal()} bytes`);
    assert.equal(await store.checkpoint(), true);
    assert.ok(wal() < 10_000, `checkpointed: ${wal()} bytes of log left`);
    assert.equal(await store.checkpoint(), false, 'nothing written since: nothing to do');
    assert.equal((await store.totals()).events, 2000);

    await store.write(makeEvents(500, { seq: 2001 }, start + 3000, 1), new Date());
    const written = wal();
    assert.ok(written > 25_000, `written again: ${written} bytes`);
    const deadline = Date.now() + 6000;
    while (wal() >= written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(wal() < 10_000, `the timer checkpointed it within 6 s: ${wal()} bytes left`);
  } finally {
    await store.close();
  }
});
