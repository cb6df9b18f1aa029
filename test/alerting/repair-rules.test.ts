import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { observe, startTick } from '../../src/alerting/evaluate.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { newRange } from '../../src/store/sql/repair-ledger.ts';
import type { RepairRange } from '../../src/store/repair-ledger.ts';
import { makeEvent } from '../helpers/events.ts';

const NOW = Date.parse('2026-12-02T10:00:00.000Z');
const MIN = 60_000;

const config = parseAlertsConfig({
  receivers: [{ name: 'log', type: 'log' }],
  route: { receivers: ['log'] },
  rules: [
    { name: 'lost', kind: 'seq_lost', severity: 'warning', params: { window: '1h' } },
    { name: 'missing', kind: 'seq_repairing', severity: 'warning', params: { olderThan: '10m' } },
  ],
});

/**
 * cam-a: a gap found 2 minutes ago, being repaired (missing, repairing: neither rule fires); cam-b: a gap
 * found 30 minutes ago and still being repaired (fires "missing"); cam-c: 40 seqs confirmed lost 20 minutes
 * ago, 10 lost 2 hours ago, 100 repaired (fires "lost" with 40); cam-d: nothing at all.
 */
async function fill(store: DuckDbStore | PostgresStore) {
  for (const camera of ['cam-a', 'cam-b', 'cam-c', 'cam-d'])
    await store.write([makeEvent({ camera, seq: 1, captured_at: new Date(NOW - MIN).toISOString() })], new Date(NOW - MIN));
  const ledger = await store.capabilities.repairLedger.open();
  const range = (camera: string, fields: Partial<RepairRange>) =>
    newRange({
      region: 'eu',
      site: 'plant-1',
      camera,
      incarnation: 'x',
      from: 1,
      to: 1,
      state: 'repairing',
      reason: null,
      detectedAtMs: NOW,
      attempts: 1,
      nextAttemptMs: NOW,
      resolvedAtMs: null,
      ...fields,
    });
  const byCamera: Record<string, RepairRange[]> = {
    'cam-a': [range('cam-a', { from: 10, to: 19, detectedAtMs: NOW - 2 * MIN })],
    'cam-b': [range('cam-b', { from: 5, to: 9, detectedAtMs: NOW - 30 * MIN })],
    'cam-c': [
      range('cam-c', { from: 100, to: 139, state: 'lost', reason: 'evicted', detectedAtMs: NOW - 25 * MIN, resolvedAtMs: NOW - 20 * MIN }),
      range('cam-c', { from: 50, to: 59, state: 'lost', reason: 'dropped', detectedAtMs: NOW - 130 * MIN, resolvedAtMs: NOW - 120 * MIN }),
      range('cam-c', { from: 200, to: 299, state: 'repaired', detectedAtMs: NOW - 5 * MIN, resolvedAtMs: NOW - 4 * MIN }),
    ],
  };
  for (const [camera, ranges] of Object.entries(byCamera)) {
    const cam = {
      region: 'eu',
      site: 'plant-1',
      camera,
      incarnation: uuidv7(),
      incarnationStartedMs: NOW - 86_400_000,
      watermark: 0,
      scannedToMs: NOW,
      ackedThrough: 0,
      announcedAtMs: NOW,
      owner: 'test',
      leaseUntilMs: NOW + MIN,
    };
    assert.equal(await ledger.insertCamera(cam), true);
    assert.equal(await ledger.update('test', NOW, cam, ranges), true);
  }
}

async function observed(store: DuckDbStore | PostgresStore) {
  await store.open();
  try {
    await fill(store);
    const tick = await startTick(store, NOW, []);
    const out: Record<string, string[]> = {};
    for (const rule of config.rules)
      out[rule.name] = (await observe(rule, tick)).map((o) => `${o.camera!.camera}=${o.value}${o.holds ? '!' : ''}: ${o.summary}`).sort();
    return out;
  } finally {
    await store.close();
  }
}

const EXPECTED = {
  lost: [
    'cam-a=0: no confirmed loss',
    'cam-b=0: no confirmed loss',
    'cam-c=40!: 40 events confirmed lost (40 evicted)',
    'cam-d=0: no confirmed loss',
  ],
  missing: [
    'cam-a=0: nothing missing for long',
    'cam-b=5!: 5 events missing for over 10m, still being repaired (5 in all)',
    'cam-c=0: nothing missing for long',
    'cam-d=0: nothing missing for long',
  ],
};

test('seq_lost fires for confirmed losses in its window and seq_repairing for gaps repaired too slowly, not for a gap still being repaired in time (DuckDB)', {
  timeout: 60_000,
}, async () => {
  assert.deepEqual(await observed(new DuckDbStore({ path: ':memory:' })), EXPECTED);
});

let pg: RunningPostgres;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

test('seq_lost and seq_repairing measure the same on PostgreSQL', { timeout: 90_000 }, async () => {
  assert.deepEqual(await observed(new PostgresStore({ url: pg.url, schema: 'repair_rules', timescale: 'off' })), EXPECTED);
});
