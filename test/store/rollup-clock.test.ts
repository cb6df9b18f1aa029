import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { journalTable } from '../../src/store/duckdb/rollups.ts';
import { CLOCK, LEVELS, levelTable } from '../../src/store/rollups/schema.ts';
import { makeEvents } from '../helpers/events.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-rollup-clock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const offsetOf = async (store: DuckDbStore, now: number) => (await store.cameras(now)).map((c) => [c.camera, c.clockOffsetMs]);

test('a DuckDB file from before rollup_clock: read-only it shows no clock figures rather than failing, and a consumer opening it adds the table', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'old.duckdb');
  const now = Date.now();
  const old = new DuckDbStore({ path });
  await old.open();
  await old.write(makeEvents(3, { camera: 'cam-01' }, now - 5_000), new Date(now));
  // What a file written by the version before this table looks like.
  const conn = await old.connect();
  for (const table of [journalTable(CLOCK), ...LEVELS.map((l) => levelTable(CLOCK, l))]) await conn.run(`DROP TABLE ${table}`);
  conn.closeSync();
  await old.close();

  const look = new DuckDbStore({ path, readOnly: true });
  await look.open();
  try {
    assert.deepEqual(await offsetOf(look, now), [['cam-01', null]]);
    assert.deepEqual(
      (await look.capabilities.panels.cameraList(now)).map((c) => [c.camera, c.clockOffsetMs]),
      [['cam-01', null]],
    );
  } finally {
    await look.close();
  }

  const consumer = new DuckDbStore({ path });
  await consumer.open();
  try {
    await consumer.writeConsumerSample({
      consumer: 'c-1',
      atMs: now,
      inFlight: 0,
      pending: 0,
      cameras: [{ region: 'eu', site: 'plant-1', camera: 'cam-01', minLagMs: 45, maxLagMs: 90, events: 3 }],
    });
    assert.deepEqual(await offsetOf(consumer, now), [['cam-01', 45]]);
  } finally {
    await consumer.close();
  }
});
