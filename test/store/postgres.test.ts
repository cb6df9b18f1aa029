import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { isSeamError } from '../../src/contract/index.ts';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/store.ts';
import { classifyPgError, redactSecrets } from '../../src/store/postgres/errors.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';
import { storeContract } from './store-contract.ts';

let server: RunningPostgres;
let schemas = 0;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const schemaOf = new WeakMap<object, string>();

/** Each test gets its own schema in the one server: isolation without another initdb. */
async function freshStore(extra: Partial<PostgresStoreOptions> = {}) {
  const schema = `t${++schemas}`;
  const store = new PostgresStore({ url: server.url, schema, ...extra });
  await store.open();
  schemaOf.set(store, schema);
  return store;
}

storeContract('postgres', () => freshStore(), {
  keepsPayload: true,
  async deadLetters(store) {
    const client = new pg.Client(server.url);
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT topic, code, reason, payload FROM ${schemaOf.get(store)}.dead_letters`);
      return rows.map((r) => ({ code: r.code, bytes: r.payload.length, topic: r.topic, reason: r.reason, payload: r.payload }));
    } finally {
      await client.end();
    }
  },
});

test('postgres: writes a batch of any size in one statement', { timeout: 60_000 }, async () => {
  const statements: string[] = [];
  const store = await freshStore({
    poolFactory: (config) => {
      const pool = new pg.Pool(config);
      const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
      (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
        statements.push(String(args[0]).trim().slice(0, 20));
        return query(...args);
      };
      return pool;
    },
  });
  try {
    const result = await store.write(makeEvents(2_000), new Date());
    assert.deepEqual(result, { events: 2_000, detections: 4_000, duplicates: 0 });
    assert.equal(statements.length, 1);
  } finally {
    await store.close();
  }
});

test('postgres: two stores on one database store a shared redelivery once', { timeout: 60_000 }, async () => {
  const schema = `t${++schemas}`;
  const [a, b] = [new PostgresStore({ url: server.url, schema }), new PostgresStore({ url: server.url, schema })];
  await Promise.all([a.open(), b.open()]);
  try {
    const events = makeEvents(300);
    const [ra, rb] = await Promise.all([a.write(events, new Date()), b.write(events, new Date())]);
    assert.equal(ra.events + rb.events, 300);
    assert.equal(ra.duplicates + rb.duplicates, 300);
    assert.deepEqual(await a.totals(), { events: 300, detections: 600, deadLetters: 0 });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("postgres: the store's sessions run with work_mem 64MB, or the server's own with workMem ''", { timeout: 60_000 }, async () => {
  const workMem = async (extra: Partial<PostgresStoreOptions>) => {
    let pool: pg.Pool | undefined;
    const store = await freshStore({ ...extra, poolFactory: (config) => (pool = new pg.Pool(config)) });
    try {
      // A 20,000-event batch took 3 to 4 times as long per event at the server's default of 4MB (batch.ts).
      assert.equal((await store.write(makeEvents(20_000), new Date())).events, 20_000);
      return (await (pool as pg.Pool).query('SHOW work_mem')).rows[0].work_mem;
    } finally {
      await store.close();
    }
  };
  assert.equal(await workMem({}), '64MB');
  assert.equal(await workMem({ workMem: '' }), '4MB');
});

test('postgres: a batch cut off by a server crash stores nothing, and its retry stores every row once', { timeout: 60_000 }, async () => {
  const store = await freshStore();
  const watcher = new pg.Client(server.url);
  watcher.on('error', () => {});
  await watcher.connect();
  try {
    const events = makeEvents(20_000);
    const writing = store.write(events, new Date());
    writing.catch(() => {});
    // Crash only once the batch statement is running inside the server.
    await waitFor(
      async () => {
        const r = await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'WITH input%'`);
        return r.rowCount === 1;
      },
      10_000,
      'the batch statement to run',
    );
    await server.crash();
    await assert.rejects(writing, (err) => isSeamError(err, 'SEAM_ERR_STORE_UNAVAILABLE'));
    await assert.rejects(store.write(events, new Date()), (err) => isSeamError(err, 'SEAM_ERR_STORE_UNAVAILABLE'));
    await server.start();
    assert.deepEqual(await store.totals(), { events: 0, detections: 0, deadLetters: 0 });
    const retry = await store.write(events, new Date());
    assert.deepEqual(retry, { events: 20_000, detections: 40_000, duplicates: 0 });
    assert.deepEqual(await store.totals(), { events: 20_000, detections: 40_000, deadLetters: 0 });
  } finally {
    await watcher.end().catch(() => {});
    await store.close();
  }
});

test('postgres: retention deletes events, detections and dead letters older than the setting', { timeout: 60_000 }, async () => {
  const store = await freshStore({ retentionDays: 7 });
  try {
    const now = Date.now();
    await store.write(makeEvents(5, { camera: 'old' }, now - 10 * 86_400_000), new Date());
    await store.write(makeEvents(3, { camera: 'new' }, now - 86_400_000), new Date());
    await store.writeDeadLetters([
      { topic: 't', payload: Buffer.from('x'), code: 'SEAM_ERR_MALFORMED_JSON', reason: 'old', receivedAt: new Date(now - 8 * 86_400_000) },
      { topic: 't', payload: Buffer.from('y'), code: 'SEAM_ERR_MALFORMED_JSON', reason: 'new', receivedAt: new Date(now) },
    ]);
    assert.deepEqual(await store.applyRetention(now), { events: 5, detections: 10, deadLetters: 1 });
    assert.deepEqual(await store.totals(), { events: 3, detections: 6, deadLetters: 1 });
    assert.deepEqual(
      (await store.cameras()).map((c) => c.camera),
      ['new'],
    );
  } finally {
    await store.close();
  }
});

test('postgres: keeps the raw bytes of a dead letter exactly', { timeout: 60_000 }, async () => {
  const store = await freshStore();
  try {
    const payload = Buffer.from([0x00, 0xff, 0x7b, 0x5c, 0x27]);
    await store.writeDeadLetters([
      { topic: 'vision/eu/p/c/detection', payload, code: 'SEAM_ERR_MALFORMED_JSON', reason: 'bad', receivedAt: new Date() },
    ]);
    const client = new pg.Client(server.url);
    await client.connect();
    const r = await client.query(`SELECT payload FROM t${schemas}.dead_letters`);
    await client.end();
    assert.deepEqual(r.rows[0].payload, payload);
  } finally {
    await store.close();
  }
});

test('postgres: a server that is not there is retryable, a missing database is a configuration error', { timeout: 60_000 }, async () => {
  const down = new PostgresStore({ url: `postgres://seamline:s3cret@127.0.0.1:1/postgres` });
  await assert.rejects(down.open(), (err) => isSeamError(err, 'SEAM_ERR_STORE_UNAVAILABLE') && !err.message.includes('s3cret'));
  const wrong = new PostgresStore({ url: server.url.replace(/\/postgres$/, '/no_such_db') });
  await assert.rejects(wrong.open(), (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && /3D000/.test(err.message));
  assert.throws(
    () => new PostgresStore({ url: server.url, schema: 'Robert"; DROP' }),
    (err) => isSeamError(err, 'SEAM_ERR_CONFIG'),
  );
});

test('postgres: classifies failures as a Telegraf output would', { timeout: 60_000 }, () => {
  const table: [unknown, string][] = [
    [{ code: 'ECONNREFUSED' }, 'retryable'],
    [{ code: '57P01' }, 'retryable'], // admin shutdown
    [{ code: '40001' }, 'retryable'], // serialization failure
    [{ code: '53300' }, 'retryable'], // too many connections
    [new Error('Connection terminated unexpectedly'), 'retryable'],
    [{ code: '28P01' }, 'permanent'], // password authentication failed
    [{ code: '3D000' }, 'permanent'],
    [{ code: '42501' }, 'permanent'],
    [{ code: 'ENOTFOUND' }, 'permanent'],
  ];
  for (const [err, want] of table) assert.equal(classifyPgError(err), want, JSON.stringify(err));
  assert.equal(redactSecrets('connect to postgres://u:pw@h/db failed'), 'connect to postgres://u:***@h/db failed');
});

test('registry: a postgres:// URL builds a PostgresStore that opens and writes', { timeout: 60_000 }, async () => {
  const { storeConfigFromUrl } = await import('../../src/store/config.ts');
  const { createStore } = await import('../../src/store/registry/registry.ts');
  const store = await createStore(storeConfigFromUrl(server.url, { database: `t${++schemas}` }));
  assert.equal(store.name, 'postgres');
  await store.open();
  try {
    assert.equal((await store.write(makeEvents(3), new Date())).events, 3);
  } finally {
    await store.close();
  }
});
