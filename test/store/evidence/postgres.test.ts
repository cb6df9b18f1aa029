import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { PostgresEvidenceStore } from '../../../src/store/evidence/postgres-store.ts';
import { startPostgres, type RunningPostgres } from '../../../src/proof/services/postgres.ts';
import { evidenceContract } from './evidence-contract.ts';
import { makeEvidence } from './evidence-fixtures.ts';

let server: RunningPostgres;
let schemas = 0;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const schemaOf = new WeakMap<object, string>();

async function storeIn(schema: string, pruneBatch?: number): Promise<PostgresEvidenceStore> {
  const store = new PostgresEvidenceStore({ url: server.url, schema, pruneBatch });
  await store.open();
  schemaOf.set(store, schema);
  return store;
}

/** Each test its own schema in the one server; prune batches of 3 so the contract's prunes take several. */
evidenceContract('postgres', {
  build: () => storeIn(`e${++schemas}`, 3),
  reopen: (store) => storeIn(schemaOf.get(store)!, 3),
});

async function rowsIn(schema: string): Promise<{ rows: number; distinct: number }> {
  const client = new pg.Client(server.url);
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ${schema}.evidence`);
    return { rows: Number(rows[0].n), distinct: Number(rows[0].d) };
  } finally {
    await client.end();
  }
}

test('postgres: two stores on one database, opened together, handed the same images, store each once', { timeout: 60_000 }, async () => {
  const schema = `e${++schemas}`;
  const [a, b] = await Promise.all([storeIn(schema), storeIn(schema)]);
  try {
    const images = await makeEvidence(40);
    const results = await Promise.all([...images.map((e) => a.put(e, new Date())), ...images.map((e) => b.put(e, new Date()))]);
    assert.equal(results.filter((r) => r === 'stored').length, 40);
    assert.equal(results.filter((r) => r === 'duplicate').length, 40);
    assert.deepEqual(await rowsIn(schema), { rows: 40, distinct: 40 });
    // Both prune at once: together they remove each image once, and each counts only what it removed.
    const [pa, pb] = await Promise.all([a.prune({ maxAgeMs: 0 }, Date.now() + 1), b.prune({ maxAgeMs: 0 }, Date.now() + 1)]);
    assert.equal(pa.images + pb.images, 40);
    assert.deepEqual(await rowsIn(schema), { rows: 0, distinct: 0 });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('postgres: a server that went away is SEAM_ERR_STORE_UNAVAILABLE, and the store works again once it is back', {
  timeout: 60_000,
}, async () => {
  const store = await storeIn(`e${++schemas}`);
  const [first, second] = await makeEvidence(2);
  try {
    await store.put(first, new Date());
    await server.crash();
    await assert.rejects(store.put(second, new Date()), (err: { code?: string }) => err.code === 'SEAM_ERR_STORE_UNAVAILABLE');
    await server.start();
    assert.equal(await store.put(second, new Date()), 'stored');
    assert.equal(await store.put(first, new Date()), 'duplicate');
  } finally {
    await store.close();
  }
});
