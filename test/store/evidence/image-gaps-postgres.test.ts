import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, type RunningPostgres } from '../../../src/proof/services/postgres.ts';
import { PostgresEvidenceStore } from '../../../src/store/evidence/postgres-store.ts';
import { gap, imageGapsContract, STREAM_A, STREAM_B, stamped } from './image-gaps-contract.ts';

let server: RunningPostgres;
let schemas = 0;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const schemaOf = new WeakMap<object, string>();

async function storeIn(schema: string, readOnly = false): Promise<PostgresEvidenceStore> {
  const store = new PostgresEvidenceStore({ url: server.url, schema, readOnly, pruneBatch: 3 });
  await store.open();
  schemaOf.set(store, schema);
  return store;
}

imageGapsContract('postgres', {
  build: () => storeIn(`g${++schemas}`),
  reopen: (store) => storeIn(schemaOf.get(store)!),
  reader: (store) => storeIn(schemaOf.get(store)!, true),
});

async function sql(text: string): Promise<pg.QueryResult> {
  const client = new pg.Client(server.url);
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

test('postgres: two consumers put the same 200 images at once, with holes: each image counted once', { timeout: 60_000 }, async () => {
  const schema = `g${++schemas}`;
  const [a, b] = await Promise.all([storeIn(schema), storeIn(schema)]);
  try {
    // Stream A: 0..249 without every fifth (200 images, 50 missing); stream B on cam-02: 0..29 without 10..19.
    const first = await stamped(Array.from({ length: 250 }, (_, i) => i).filter((i) => i % 5 !== 0));
    const second = await stamped(
      Array.from({ length: 30 }, (_, i) => i).filter((i) => i < 10 || i >= 20),
      STREAM_B,
      { camera: 'cam-02' },
    );
    const images = [...first, ...second];
    const results = await Promise.all([...images.map((e) => a.put(e, new Date())), ...images.map((e) => b.put(e, new Date()))]);
    assert.equal(results.filter((r) => r === 'stored').length, 220);
    assert.equal(results.filter((r) => r === 'duplicate').length, 220);
    const expected = [gap('cam-01', STREAM_A, 249, 200), gap('cam-02', STREAM_B, 29, 20)];
    assert.deepEqual(await a.imageGaps(), expected);
    assert.deepEqual(await b.imageGaps(), expected);
    assert.deepEqual(
      expected.map((g) => g.missing),
      [50, 10],
    );
    // Both prune everything at once: the counts stay.
    await Promise.all([a.prune({ maxBytes: 0 }, Date.now()), b.prune({ maxBytes: 0 }, Date.now())]);
    assert.deepEqual(await a.stats(), { images: 0, bytes: 0 });
    assert.deepEqual(await b.imageGaps(), expected);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('postgres: an evidence table from before image_stream gains its columns at open and round-trips it', { timeout: 30_000 }, async () => {
  const schema = `g${++schemas}`;
  await sql(`CREATE SCHEMA ${schema}`);
  // The table as the store created it before image_stream (and the stream table) existed.
  await sql(`CREATE TABLE ${schema}.evidence (
    event_id uuid PRIMARY KEY, region text NOT NULL, site text NOT NULL, camera text NOT NULL,
    seq bigint NOT NULL, captured_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
    frame_width integer NOT NULL, frame_height integer NOT NULL, image_width integer NOT NULL,
    image_height integer NOT NULL, content_type text NOT NULL, bytes integer NOT NULL, sha256 text NOT NULL,
    masked boolean NOT NULL, detections jsonb NOT NULL, image bytea NOT NULL, model_name text, model_version text)`);
  const reader = await storeIn(schema, true);
  assert.deepEqual(await reader.imageGaps(), [], 'a reader before any consumer made the stream table');
  const store = await storeIn(schema);
  try {
    const [e] = await stamped([3]);
    assert.equal(await store.put(e, new Date()), 'stored');
    assert.deepEqual((await store.get(e.header.event_id))?.header, e.header);
    assert.deepEqual(await reader.imageGaps(), [gap('cam-01', STREAM_A, 3, 1)]);
  } finally {
    await Promise.all([store.close(), reader.close()]);
  }
});

test('postgres: a read-only store on a database no consumer has used reads no streams', { timeout: 30_000 }, async () => {
  const reader = await storeIn(`g${++schemas}`, true);
  try {
    assert.deepEqual(await reader.imageGaps(), []);
  } finally {
    await reader.close();
  }
});
