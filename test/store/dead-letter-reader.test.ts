/**
 * The dead-letter readers (src/store/dead-letter-reader*.ts) against real servers: letters written through each
 * store's own writeDeadLetters come back exactly (raw bytes with NUL and 0xff, escaped topics, times to the
 * millisecond), newest first, through every filter; VictoriaMetrics answers with counts per code and says it
 * keeps no payload.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { isSeamError } from '../../src/contract/index.ts';
import { startInfluxDb, type RunningInfluxDb } from '../../src/proof/services/influxdb.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../../src/proof/services/victoria-metrics.ts';
import type { DeadLetterQuery, DeadLetterRecord } from '../../src/store/dead-letter-reader.ts';
import { createDeadLetterReader } from '../../src/store/registry/registry.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { LineProtocolStore } from '../../src/store/line-protocol/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import type { StoreConfig } from '../../src/store/config.ts';
import type { DeadLetter, DetectionStore } from '../../src/store/store.ts';

const BASE = Date.parse('2026-12-01T08:00:00.000Z');
const at = (minutesBefore: number) => new Date(BASE - minutesBefore * 60_000 + 123);

/** Five letters as consumers write them: topics and reasons already escaped, payloads exactly as they came. */
const A: DeadLetter = {
  topic: 'vision/eu/plant-1/cam-01/detection',
  payload: Buffer.from([0x7b, 0x00, 0xff, 0x7d, 0x22]),
  code: 'SEAM_ERR_MALFORMED_JSON',
  reason: 'Unexpected token \\u0000 in JSON at position 1',
  receivedAt: at(180),
};
const B: DeadLetter = {
  topic: 'vision/eu/plant-2/cam-01/detection',
  payload: Buffer.from('{"schema_version":"detection.v1","seq":"one"}'),
  code: 'SEAM_ERR_SCHEMA_VIOLATION',
  reason: 'seq must be integer',
  receivedAt: at(120),
};
const C: DeadLetter = {
  topic: 'vision/eu/plant-1/cam\\u0000/detection',
  payload: Buffer.from('{}'),
  code: 'SEAM_ERR_BAD_TOPIC',
  reason: 'topic camera segment "cam\\u0000" must be 1..64 characters of lowercase letters, digits, "-" or "_"',
  receivedAt: at(60),
};
const D: DeadLetter = {
  topic: 'vision/us/plant-9/cam-03/status',
  payload: Buffer.from('{"schema_version":"status.v2"}'),
  code: 'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
  reason: 'schema_version "status.v2" is not one this build reads',
  receivedAt: at(30),
};
const E: DeadLetter = {
  topic: 'vision/eu/plant-1/cam-02/detection',
  payload: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  code: 'SEAM_ERR_STORE_REFUSED',
  reason: 'postgres write refused a value (22021): invalid byte sequence',
  receivedAt: at(10),
};
const LETTERS = [A, B, C, D, E];

/** What each query must return, in order. */
const CASES: { name: string; query: DeadLetterQuery; expected: DeadLetter[] }[] = [
  { name: 'everything, newest first', query: {}, expected: [E, D, C, B, A] },
  { name: 'the newest two', query: { limit: 2 }, expected: [E, D] },
  { name: 'one code', query: { code: 'SEAM_ERR_MALFORMED_JSON' }, expected: [A] },
  { name: 'a topic prefix', query: { topicPrefix: 'vision/eu/plant-1/' }, expected: [E, C, A] },
  {
    name: 'since is inclusive, until exclusive',
    query: { sinceMs: B.receivedAt.getTime(), untilMs: D.receivedAt.getTime() },
    expected: [C, B],
  },
  { name: 'a prefix holding the escape itself', query: { topicPrefix: 'vision/eu/plant-1/cam\\u0000' }, expected: [C] },
  // A prefix is text, not a pattern: in a regex or LIKE the dot and the underscore would match the dash.
  { name: 'a prefix with a dot matches only a dot', query: { topicPrefix: 'vision/eu/plant.1/' }, expected: [] },
  { name: 'a prefix with an underscore matches only an underscore', query: { topicPrefix: 'vision/eu/plant_1/' }, expected: [] },
  {
    name: 'filters together',
    query: { code: 'SEAM_ERR_STORE_REFUSED', topicPrefix: 'vision/eu/', sinceMs: at(20).getTime(), limit: 5 },
    expected: [E],
  },
  { name: 'nothing matches', query: { code: 'SEAM_ERR_TOPIC_MISMATCH' }, expected: [] },
];

const asRecord = (l: DeadLetter): DeadLetterRecord => ({ ...l });

/** The shared contract: every reader that keeps payloads answers every case exactly. */
function readerContract(name: string, setup: () => Promise<StoreConfig>): void {
  describe(`${name} dead-letter reader`, () => {
    let config: StoreConfig;
    before(async () => {
      config = await setup();
    });
    for (const c of CASES) {
      test(`${name}: ${c.name}`, { timeout: 30_000 }, async () => {
        const reader = await createDeadLetterReader(config);
        await reader.open();
        try {
          const readout = await reader.readDeadLetters(c.query);
          assert.equal(readout.payloads, true);
          assert.deepEqual(readout.payloads && readout.letters, c.expected.map(asRecord));
        } finally {
          await reader.close();
        }
      });
    }
  });
}

async function writeThrough(store: DetectionStore): Promise<void> {
  await store.open();
  // Two writes, as two commits of a consumer would make them.
  await store.writeDeadLetters(LETTERS.slice(0, 2));
  await store.writeDeadLetters(LETTERS.slice(2));
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'seamline-dead-letter-reader-'));
let postgres: RunningPostgres;
let influx: RunningInfluxDb;
let vm: RunningVictoriaMetrics;
before(async () => {
  [postgres, influx, vm] = await Promise.all([startPostgres(), startInfluxDb(), startVictoriaMetrics()]);
});
after(async () => {
  await Promise.all([postgres?.stop(), influx?.stop(), vm?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

readerContract('DuckDB', async () => {
  const path = join(dir, 'letters.duckdb');
  await writeThrough(new DuckDbStore({ path }));
  return { kind: 'duckdb', url: path };
});

readerContract('PostgreSQL (a role that may only SELECT dead_letters)', async () => {
  await writeThrough(new PostgresStore({ url: postgres.url, schema: 'letters' }));
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(
    `CREATE ROLE letter_reader LOGIN; GRANT USAGE ON SCHEMA letters TO letter_reader; GRANT SELECT ON letters.dead_letters TO letter_reader`,
  );
  await admin.end();
  return { kind: 'postgres', url: postgres.url.replace('//seamline@', '//letter_reader@'), database: 'letters' };
});

readerContract('InfluxDB', async () => {
  await writeThrough(new LineProtocolStore({ flavour: 'influxdb', url: influx.url, database: 'letters' }));
  return { kind: 'influxdb', url: influx.url, database: 'letters' };
});

test('a store that is not there is named, not read as "no dead letters"', { timeout: 30_000 }, async () => {
  const configs: StoreConfig[] = [
    { kind: 'duckdb', url: join(dir, 'missing', 'nothing.duckdb') },
    { kind: 'postgres', url: postgres.url, database: 'no_such_schema' },
    { kind: 'influxdb', url: influx.url, database: 'no_such_database' },
  ];
  for (const config of configs) {
    const reader = await createDeadLetterReader(config);
    await assert.rejects(
      reader.open(),
      (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && /no (DuckDB file|table|database)/.test(err.message),
      config.kind,
    );
  }
});

test('VictoriaMetrics answers with a count and size per code and says it keeps no payload', { timeout: 30_000 }, async () => {
  await writeThrough(new LineProtocolStore({ flavour: 'victoriametrics', url: vm.url, database: 'letters' }));
  const reader = await createDeadLetterReader({ kind: 'victoriametrics', url: vm.url, database: 'letters' });
  await reader.open();
  try {
    const all = await reader.readDeadLetters({});
    assert.equal(all.payloads, false);
    assert.ok(!all.payloads);
    assert.match(all.why, /keeps no payload.*nothing can be listed in full or replayed/);
    const expected = LETTERS.map((l) => ({ code: l.code, count: 1, bytes: l.payload.length })).sort((a, b) => a.code.localeCompare(b.code));
    assert.deepEqual(all.counts, expected);
    const window = await reader.readDeadLetters({ sinceMs: B.receivedAt.getTime(), untilMs: D.receivedAt.getTime() });
    assert.deepEqual(!window.payloads && window.counts, [
      { code: 'SEAM_ERR_BAD_TOPIC', count: 1, bytes: 2 },
      { code: 'SEAM_ERR_SCHEMA_VIOLATION', count: 1, bytes: B.payload.length },
    ]);
    const one = await reader.readDeadLetters({ code: 'SEAM_ERR_STORE_REFUSED' });
    assert.deepEqual(!one.payloads && one.counts, [{ code: 'SEAM_ERR_STORE_REFUSED', count: 1, bytes: 256 }]);
    await assert.rejects(
      reader.readDeadLetters({ topicPrefix: 'vision/' }),
      (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && /keeps no topic/.test(err.message),
    );
  } finally {
    await reader.close();
  }
});
