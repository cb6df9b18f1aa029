import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PostgresStore } from '../../src/store/postgres.ts';
import { startPostgres, type RunningPostgres } from '../fixtures/services/postgres.ts';
import { makeEvents } from '../helpers/events.ts';
import { storeContract } from './store-contract.ts';

let pgServer: RunningPostgres;
let schemas = 0;
before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
});

/** Each test gets its own schema in the one server: isolation without another initdb. */
async function freshStore(extra: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}) {
  const store = new PostgresStore({ url: pgServer.url, schema: `t${++schemas}`, ...extra });
  await store.open();
  return store;
}

storeContract('postgres', () => freshStore());

test('postgres: stores a batch in one round trip', async () => {
  const store = await freshStore();
  try {
    const events = makeEvents(500);
    const result = await store.write(events, new Date());
    assert.deepEqual(result, { events: 500, detections: 1000, duplicates: 0 });
  } finally {
    await store.close();
  }
});
