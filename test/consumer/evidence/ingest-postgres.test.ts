import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  type EvidenceConsumerOptions,
  startEvidenceConsumer,
  type RunningEvidenceConsumer,
} from '../../../src/consumer/evidence/start-evidence.ts';
import { startMosquitto, type RunningMosquitto } from '../../../src/proof/services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../../src/proof/services/postgres.ts';
import { PostgresEvidenceStore } from '../../../src/store/evidence/postgres-store.ts';
import { PostgresStore } from '../../../src/store/postgres/store.ts';
import { waitFor } from '../../helpers/wait.ts';
import { goodMessages, interleave, poisonMessages, publishAll } from './evidence-traffic.ts';

let broker: RunningMosquitto;
let server: RunningPostgres;
before(async () => {
  [broker, server] = await Promise.all([startMosquitto(), startPostgres()]);
});
after(async () => {
  await Promise.all([broker?.close(), server?.stop()]);
});

/** One consumer of the distributed shape: its own pools on the shared database. */
async function consumerIn(
  schema: string,
  clientId: string,
  group: string,
  extra: Partial<EvidenceConsumerOptions> = {},
): Promise<RunningEvidenceConsumer & { close(): Promise<void> }> {
  const deadLetters = new PostgresStore({ url: server.url, schema, timescale: 'off' });
  const store = new PostgresEvidenceStore({ url: server.url, schema });
  await Promise.all([deadLetters.open(), store.open()]);
  const running = await startEvidenceConsumer({
    url: broker.url,
    clientId,
    group,
    store,
    deadLetters,
    retention: { everyMs: 0 },
    retryMaxMs: 500,
    ...extra,
  });
  const close = async () => {
    await running.stop();
    await Promise.all([deadLetters.close(), store.close()]);
  };
  return { ...running, close };
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(server.url);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const handled = (consumers: RunningEvidenceConsumer[], total: number) => () =>
  consumers.reduce((n, c) => n + c.ingest.stats.received, 0) >= total && consumers.every((c) => c.ingest.stats.pending === 0);
const sum = (consumers: RunningEvidenceConsumer[], key: 'stored' | 'duplicates' | 'deadLettered' | 'bytes') =>
  consumers.reduce((n, c) => n + c.ingest.stats[key], 0);

test('two consumers in one group on one PostgreSQL store: each image once, byte for byte; each poison dead-lettered once', {
  timeout: 60_000,
}, async () => {
  const consumers = await Promise.all([consumerIn('two', 'ev-a', 'two'), consumerIn('two', 'ev-b', 'two')]);
  try {
    const { messages, evidence } = await goodMessages(40);
    const poison = await poisonMessages();
    const total = messages.length * 2 + poison.length;
    await publishAll(broker.url, [...interleave(messages, poison), ...messages]);
    await waitFor(handled(consumers, total), 30_000, `${total} messages handled by the two`);
    assert.ok(
      consumers.every((c) => c.ingest.stats.received > 0),
      'the group shared the messages',
    );
    assert.equal(sum(consumers, 'stored'), 40);
    assert.equal(sum(consumers, 'duplicates'), 40);
    assert.equal(sum(consumers, 'deadLettered'), poison.length);
    assert.equal(
      sum(consumers, 'bytes'),
      evidence.reduce((n, e) => n + e.image.byteLength, 0),
    );
    const rows = await query(`SELECT event_id, image FROM two.evidence`);
    assert.equal(rows.length, 40);
    const byId = new Map(rows.map((r) => [r.event_id as string, r.image as Buffer]));
    for (const e of evidence) assert.ok(byId.get(e.header.event_id)?.equals(e.image), `image ${e.header.seq}`);
    const letters = await query(`SELECT topic, code, payload FROM two.dead_letters`);
    assert.equal(letters.length, poison.length);
    for (const p of poison) {
      const found = letters.filter((l) => (l.payload as Buffer).equals(p.payload) && l.topic === p.topic);
      assert.equal(found.length, 1, `${p.kind} dead-lettered ${found.length} times`);
      assert.equal(found[0].code, p.code, p.kind);
    }
  } finally {
    await Promise.all(consumers.map((c) => c.close()));
  }
});

test('a PostgreSQL that goes away: nothing acknowledged while it is down, every image stored once it is back', {
  timeout: 60_000,
}, async () => {
  const consumer = await consumerIn('away', 'ev-away', 'away');
  try {
    const { messages } = await goodMessages(12, 'cam-05');
    await publishAll(broker.url, messages.slice(0, 4));
    await waitFor(handled([consumer], 4), 30_000, 'the first 4 stored');
    await server.crash();
    await publishAll(broker.url, messages.slice(4));
    await waitFor(() => consumer.ingest.stats.storeFailures > 0, 30_000, 'a failed put');
    assert.equal(consumer.ingest.stats.stored, 4);
    assert.ok(consumer.session.inFlight > 0, 'what could not be stored is not acknowledged');
    await server.start();
    await waitFor(handled([consumer], 12), 30_000, 'all 12 handled after the server came back');
    assert.equal(consumer.ingest.stats.stored, 12);
    assert.equal(consumer.ingest.stats.deadLettered, 0);
    assert.equal(Number((await query(`SELECT count(*) AS n FROM away.evidence`))[0].n), 12);
  } finally {
    await consumer.close();
  }
});

test('an image PostgreSQL refuses is dead-lettered with its reason and acknowledged; the rest is stored', { timeout: 60_000 }, async () => {
  const consumer = await consumerIn('refuse', 'ev-refuse', 'refuse');
  try {
    // A rule of the server's own (SQLSTATE 23514, a check violation): the store classes it a refusal.
    await query(`ALTER TABLE refuse.evidence ADD CONSTRAINT no_cam_66 CHECK (camera <> 'cam-66')`);
    const refused = await goodMessages(2, 'cam-66');
    const kept = await goodMessages(5, 'cam-06');
    await publishAll(broker.url, [...kept.messages.slice(0, 2), ...refused.messages, ...kept.messages.slice(2)]);
    await waitFor(handled([consumer], 7), 30_000, '7 messages handled');
    assert.equal(consumer.ingest.stats.stored, 5);
    assert.equal(consumer.ingest.stats.deadLettered, 2);
    const letters = await query(`SELECT code, reason, payload FROM refuse.dead_letters`);
    assert.deepEqual(
      letters.map((l) => l.code),
      ['SEAM_ERR_STORE_REFUSED', 'SEAM_ERR_STORE_REFUSED'],
    );
    assert.match(String(letters[0].reason), /23514/);
    for (const m of refused.messages) assert.ok(letters.some((l) => (l.payload as Buffer).equals(m.payload)));
    assert.equal(Number((await query(`SELECT count(*) AS n FROM refuse.evidence`))[0].n), 5);
  } finally {
    await consumer.close();
  }
});

test('on MQTT 3.1.1 (no Receive Maximum) reading pauses at maxQueued while the store is away: the rest waits at the broker', {
  timeout: 60_000,
}, async () => {
  const consumer = await consumerIn('paused', 'ev-paused', 'paused', { protocol: 4, maxQueued: 8, concurrency: 2 });
  try {
    await server.crash();
    const { messages } = await goodMessages(40, 'cam-07');
    await publishAll(broker.url, messages, 4);
    await waitFor(() => consumer.ingest.stats.storeFailures >= 4, 30_000, 'failed puts');
    await new Promise((r) => setTimeout(r, 500));
    // 2 puts retrying and 8 waiting; the other 30 stay with the broker.
    assert.equal(consumer.ingest.stats.received, 10);
    await server.start();
    await waitFor(handled([consumer], 40), 30_000, 'all 40 handled once the server is back');
    assert.equal(consumer.ingest.stats.stored, 40);
    assert.equal(Number((await query(`SELECT count(*) AS n FROM paused.evidence`))[0].n), 40);
  } finally {
    await consumer.close();
  }
});
