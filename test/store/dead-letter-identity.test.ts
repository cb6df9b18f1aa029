/**
 * A dead letter's identity (store.ts deadLetterId) in every store kind: the same letter written again, later, as a
 * redelivery writes it, is one letter in the store's count and in `seamline dead-letters list`'s reader; two
 * letters with other bytes are two; a table from before letter_id is migrated in place, its rows kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { startInfluxDb, type RunningInfluxDb } from '../../src/proof/services/influxdb.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { LineProtocolStore } from '../../src/store/line-protocol/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { createDeadLetterReader } from '../../src/store/registry/registry.ts';
import type { StoreConfig } from '../../src/store/config.ts';
import { type DeadLetter, type DetectionStore, deadLetterId } from '../../src/store/store.ts';

const topic = 'vision/eu/plant-1/cam-01/detection';
const letter = (bytes: string, receivedMs: number): DeadLetter => {
  const payload = Buffer.from(bytes);
  return {
    id: deadLetterId(topic, payload),
    topic,
    payload,
    code: 'SEAM_ERR_MALFORMED_JSON',
    reason: 'bad',
    receivedAt: new Date(receivedMs),
  };
};
const T = Date.parse('2026-12-01T08:00:00.000Z');
const [A, B] = [letter('{bad a', T), letter('{bad b', T + 10)];
/** A's redelivery: same bytes, received later (and once in the same call as a fresh letter). */
const A2 = letter('{bad a', T + 5_000);

let dir: string;
let postgres: RunningPostgres;
let influx: RunningInfluxDb;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-letter-id-'));
  [postgres, influx] = await Promise.all([startPostgres(), startInfluxDb()]);
});
after(async () => {
  await Promise.all([postgres?.stop(), influx?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Writes A, then A's redelivery with B, then A and B again; returns the store's total and the list's length. */
async function writeTwice(store: DetectionStore & { totals(): Promise<{ deadLetters: number }> }, config: StoreConfig) {
  await store.open();
  await store.writeDeadLetters([A]);
  await store.writeDeadLetters([A2, B]);
  await store.writeDeadLetters([A, B, A2]);
  const total = (await store.totals()).deadLetters;
  await store.close();
  const reader = await createDeadLetterReader(config);
  await reader.open();
  const readout = await reader.readDeadLetters({});
  await reader.close();
  assert.equal(readout.payloads, true);
  return { total, listed: readout.payloads ? readout.letters.map((l) => l.payload.toString()) : [] };
}

test('DuckDB: a file from before letter_id keeps its old row, and a redelivered letter is stored once', { timeout: 60_000 }, async () => {
  const path = join(dir, 'old.duckdb');
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE dead_letters (received_at TIMESTAMP NOT NULL, topic VARCHAR NOT NULL, code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL, payload BLOB NOT NULL)`);
  await conn.run(`INSERT INTO dead_letters VALUES ('2026-11-30 08:00:00', 'old', 'SEAM_ERR_MALFORMED_JSON', 'old', 'old'::BLOB)`);
  conn.closeSync();
  instance.closeSync();
  const r = await writeTwice(new DuckDbStore({ path }), { kind: 'duckdb', url: path });
  assert.equal(r.total, 3, 'the old row, A and B');
  assert.deepEqual(r.listed, ['{bad b', '{bad a', 'old']);
});

test('PostgreSQL: a table from before letter_id keeps its old row, and a redelivered letter is stored once', {
  timeout: 60_000,
}, async () => {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA legacy; CREATE TABLE legacy.dead_letters (received_at timestamptz NOT NULL, topic text NOT NULL,
    code text NOT NULL, reason text NOT NULL, payload bytea NOT NULL);
    INSERT INTO legacy.dead_letters VALUES ('2026-11-30T08:00:00Z', 'old', 'SEAM_ERR_MALFORMED_JSON', 'old', 'old'::bytea)`);
  await admin.end();
  const r = await writeTwice(new PostgresStore({ url: postgres.url, schema: 'legacy' }), {
    kind: 'postgres',
    url: postgres.url,
    database: 'legacy',
  });
  assert.equal(r.total, 3, 'the old row, A and B');
  assert.deepEqual(r.listed, ['{bad b', '{bad a', 'old']);
});

test('InfluxDB: a redelivered letter is a second point, counted and listed once (as first received)', { timeout: 60_000 }, async () => {
  const r = await writeTwice(new LineProtocolStore({ flavour: 'influxdb', url: influx.url, database: 'ids' }), {
    kind: 'influxdb',
    url: influx.url,
    database: 'ids',
  });
  assert.equal(r.total, 2, 'A and B');
  assert.deepEqual(r.listed, ['{bad b', '{bad a']);
});
