import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDbStore } from '../../src/store/duckdb.ts';
import { makeEvents } from '../helpers/events.ts';
import { storeContract } from './store-contract.ts';

storeContract('duckdb', async () => {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  return store;
});

const dir = mkdtempSync(join(tmpdir(), 'seamline-duckdb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('duckdb: a file store keeps its rows and its idempotency across reopen', async () => {
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

test('duckdb: counts seq numbers missing per camera, and none once a late event fills the gap', async () => {
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
