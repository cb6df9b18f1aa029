/**
 * The second line of defence, on real servers: events the contract would now refuse, handed to the store
 * anyway (as a producer the contract missed would), must cost only themselves. Each store says why in its
 * own words, the batch is split down to them, and every good event beside them commits.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { DetectionV1 } from '../../src/contract/index.ts';
import { Batch } from '../../src/consumer/ingest/batch.ts';
import { BatchCommitter } from '../../src/consumer/ingest/batch-commit.ts';
import { startInfluxDb, type RunningInfluxDb } from '../../src/proof/services/influxdb.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../../src/proof/services/victoria-metrics.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { LineProtocolStore } from '../../src/store/line-protocol/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import type { StoreReader } from '../../src/store/reader.ts';
import type { DeadLetter, DetectionStore } from '../../src/store/store.ts';
import { deliveryOf } from '../helpers/deliveries.ts';
import { makeEvents } from '../helpers/events.ts';

let postgres: RunningPostgres;
let influx: RunningInfluxDb;
let vm: RunningVictoriaMetrics;
before(async () => {
  [postgres, influx, vm] = await Promise.all([startPostgres(), startInfluxDb(), startVictoriaMetrics()]);
});
after(async () => {
  await Promise.all([postgres?.stop(), influx?.stop(), vm?.stop()]);
});

/** 60 good events with the bad ones among them, through a committer on `store`. */
async function commitAmong(store: DetectionStore & StoreReader, bad: DetectionV1[]) {
  const good = makeEvents(60, { camera: 'good' }, Date.now() - 5_000);
  const events = [...good.slice(0, 20), bad[0], ...good.slice(20, 45), ...bad.slice(1), ...good.slice(45)];
  const batch = new Batch();
  events.forEach((e, i) => batch.addEvent(e, deliveryOf(e, i)));
  let failures = 0;
  const committer = new BatchCommitter({
    store,
    logger: pino({ level: 'silent' }),
    retryInitialMs: 10,
    retryMaxMs: 50,
    closed: () => false,
    onFailure: () => failures++,
    onRefused: () => {},
  });
  const tally = await committer.commit(batch);
  return { tally, failures, good };
}

function assertRefusedAlone(result: Awaited<ReturnType<typeof commitAmong>>, bad: DetectionV1[], reason: RegExp): DeadLetter[] {
  const { tally, failures } = result;
  assert.equal(tally.events, 60, 'every good event beside the refused ones committed');
  assert.equal(tally.refused, bad.length);
  assert.equal(tally.letters.length, bad.length);
  for (const [i, letter] of tally.letters.entries()) {
    assert.equal(letter.code, 'SEAM_ERR_STORE_REFUSED');
    assert.match(letter.reason, reason);
    assert.deepEqual(JSON.parse(letter.payload.toString()), bad[i], 'the raw bytes of the refused event');
  }
  // Splitting 62 events down to each refused one: at most log2(62) + 1 failed writes for each.
  assert.ok(failures <= bad.length * 7, `${failures} failed writes`);
  return tally.letters;
}

const broken = (patch: Partial<DetectionV1>, seq: number): DetectionV1 => ({ ...makeEvents(1, { camera: 'bad', seq })[0], ...patch });

test('PostgreSQL refuses a NUL and a year 0000 (SQLSTATE 22): only those two are dead-lettered', { timeout: 60_000 }, async () => {
  const store = new PostgresStore({ url: postgres.url, schema: 'refusals' });
  await store.open();
  try {
    const bad = [broken({ model: { name: 'yolo\u0000', version: '1' } }, 1), broken({ captured_at: '0000-01-01T00:00:00.000Z' }, 2)];
    const result = commitAmong(store, bad);
    assertRefusedAlone(await result, bad, /postgres write .* refused a value \(22/);
    assert.equal((await store.totals()).events, 60);
  } finally {
    await store.close();
  }
});

test('DuckDB refuses a month 13 (a timestamp that is no number): only it is dead-lettered', { timeout: 60_000 }, async () => {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  try {
    const bad = [broken({ captured_at: '2026-13-01T00:00:00.000Z' }, 1)];
    assertRefusedAlone(await commitAmong(store, bad), bad, /duckdb write refused a value/);
    assert.equal((await store.totals()).events, 60);
  } finally {
    await store.close();
  }
});

test('InfluxDB refuses year 0001 (outside its nanosecond range): only it is dead-lettered', { timeout: 60_000 }, async () => {
  const store = new LineProtocolStore({ flavour: 'influxdb', url: influx.url, database: 'refusals' });
  await store.open();
  try {
    const bad = [broken({ captured_at: '0001-01-01T00:00:00.000Z', inferred_at: '0001-01-01T00:00:00.025Z' }, 1)];
    assertRefusedAlone(await commitAmong(store, bad), bad, /outside InfluxDB's time range/);
    assert.equal((await store.totals()).events, 60);
  } finally {
    await store.close();
  }
});

test('VictoriaMetrics refuses what it would drop (before 1970, a subnormal): only those are dead-lettered', {
  timeout: 60_000,
}, async () => {
  const store = new LineProtocolStore({ flavour: 'victoriametrics', url: vm.url, database: 'refusals' });
  await store.open();
  try {
    const box = { class: 'x', class_id: 0, confidence: 5e-324, bbox: [1, 1, 1, 1] };
    const bad = [broken({ captured_at: '1969-07-20T20:17:40.000Z' }, 1), broken({ detections: [box] }, 2)];
    assertRefusedAlone(await commitAmong(store, bad), bad, /victoriametrics would not keep event/);
    assert.equal((await store.totals()).events, 60);
  } finally {
    await store.close();
  }
});
