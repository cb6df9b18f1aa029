/**
 * Issue 23's proof: messages that pass the contract's old form but that a store cannot hold, published among
 * good events, against every store on a real server. Each is stored exactly as sent or dead-lettered with a
 * reason; every good event is stored exactly once; the consumers never stop and retry a refused message only
 * as often as splitting it out of its batch costs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startInfluxDb, type RunningInfluxDb } from '../../src/proof/services/influxdb.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../../src/proof/services/victoria-metrics.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { LineProtocolStore } from '../../src/store/line-protocol/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import type { RunningConsumer } from '../../src/consumer/consumer.ts';
import type { DetectionStore } from '../../src/store/store.ts';
import { assertBoundedRetries, describeVerdicts, runHostileCorpus, type HostileRun } from './hostile-run.ts';
import { duckdbReadback, influxReadback, postgresReadback, victoriaReadback, type StoreReadback } from './stored-readback.ts';

let broker: RunningMosquitto;
let postgres: RunningPostgres;
let influx: RunningInfluxDb;
let vm: RunningVictoriaMetrics;
const dir = mkdtempSync(join(tmpdir(), 'seamline-refusals-'));

before(async () => {
  [broker, postgres, influx, vm] = await Promise.all([startMosquitto(), startPostgres(), startInfluxDb(), startVictoriaMetrics()]);
});
after(async () => {
  await Promise.all([broker?.close(), postgres?.stop(), influx?.stop(), vm?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function run(t: TestContext, stores: DetectionStore[], readback: StoreReadback): Promise<HostileRun> {
  let consumers: RunningConsumer[] = [];
  try {
    const result = await runHostileCorpus({ brokerUrl: broker.url, stores, readback }, (c) => (consumers = c));
    t.diagnostic(describeVerdicts(result.verdicts));
    for (const c of result.consumers) assertBoundedRetries(c);
    return result;
  } finally {
    await Promise.all(consumers.map((c) => c.stop()));
    await readback.close();
    await Promise.all(stores.map((s) => s.close()));
  }
}

const refusedByStore = (r: HostileRun) => r.verdicts.filter((v) => v.outcome === 'refused by the store').map((v) => v.input.name);

test('DuckDB: every hostile input stored exactly or dead-lettered, every good event stored once', { timeout: 180_000 }, async (t) => {
  const store = new DuckDbStore({ path: join(dir, 'hostile.duckdb') });
  await store.open();
  const result = await run(t, [store], await duckdbReadback(store));
  assert.ok(result.verdicts.length >= 30);
});

test('PostgreSQL: every hostile input stored exactly or dead-lettered, every good event stored once', { timeout: 180_000 }, async (t) => {
  const store = new PostgresStore({ url: postgres.url, schema: 'hostile_one' });
  await store.open();
  await run(t, [store], await postgresReadback(postgres.url, 'hostile_one'));
});

test('InfluxDB: every hostile input stored exactly or dead-lettered, every good event stored once', { timeout: 180_000 }, async (t) => {
  const store = new LineProtocolStore({ flavour: 'influxdb', url: influx.url, database: 'hostile' });
  await store.open();
  await run(t, [store], influxReadback(influx.url, 'hostile'));
});

test('VictoriaMetrics: nothing it would drop is counted stored; the rest stored to its 12 digits', { timeout: 180_000 }, async (t) => {
  const store = new LineProtocolStore({ flavour: 'victoriametrics', url: vm.url, database: 'hostile' });
  await store.open();
  const result = await run(t, [store], victoriaReadback(vm.url, 'hostile'));
  // What it answers 204 to and keeps nothing of: the epoch (read as "now"), days ahead, a subnormal.
  for (const name of [
    'captured at the epoch itself (a clock reset to 0)',
    'captured three days ahead',
    'captured at the last instant the contract admits',
    'confidence 5e-324 (a subnormal)',
  ]) {
    assert.ok(refusedByStore(result).includes(name), `${name} is dead-lettered by the VictoriaMetrics store`);
  }
});

test('PostgreSQL, two consumers on the shared subscription: both still ingesting at the end, nothing good lost', {
  timeout: 180_000,
}, async (t) => {
  const stores = [
    new PostgresStore({ url: postgres.url, schema: 'hostile_two' }),
    new PostgresStore({ url: postgres.url, schema: 'hostile_two' }),
  ];
  for (const s of stores) await s.open();
  const result = await run(t, stores, await postgresReadback(postgres.url, 'hostile_two'));
  for (const c of result.consumers) assert.ok(c.ingestor.stats.committedEvents > 0, `${c.session.constructor.name} committed events`);
});
