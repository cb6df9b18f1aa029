import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { observe, startTick } from '../../src/alerting/evaluate.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { emptyCameraRow } from '../../src/store/reader.ts';
import type { Store } from '../../src/store/store.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';

const NOW = Date.parse('2026-12-02T10:00:00.000Z');
const S = 1000;

const config = parseAlertsConfig({
  receivers: [{ name: 'log', type: 'log' }],
  route: { receivers: ['log'] },
  expectedCameras: ['eu/plant-2/cam-never'],
  rules: [
    { name: 'silent', kind: 'silent_camera', severity: 'critical', params: { window: '5m' } },
    {
      name: 'silent-events',
      kind: 'silent_camera',
      severity: 'critical',
      select: { site: 'plant-1' },
      params: { window: '5m', signal: 'events' },
    },
    { name: 'offline', kind: 'camera_offline', severity: 'critical', params: { after: '30s' } },
    { name: 'stale', kind: 'stale_camera', severity: 'warning', params: { olderThan: '10m' } },
    { name: 'lag', kind: 'lag_p99', severity: 'warning', params: { window: '5m', thresholdMs: 1000 } },
    { name: 'dead', kind: 'dead_letters', severity: 'warning', params: { window: '5m', perMinute: 0.5 } },
    { name: 'gaps', kind: 'seq_gaps', severity: 'warning', params: { window: '30m' } },
    { name: 'outbox', kind: 'outbox_backlog', severity: 'warning', params: { depth: 100, oldestUnsent: '1m' } },
    { name: 'cracks', kind: 'defect_rate', severity: 'info', params: { class: 'crack', window: '10m', perEvent: 0.2, minEvents: 5 } },
    { name: 'clock', kind: 'clock_offset', severity: 'warning', params: { maxOffset: '60s' } },
  ],
});

const box = (c: string) => ({ class: c, class_id: 0, confidence: 0.9, bbox: [1, 1, 2, 2] as [number, number, number, number] });

/**
 * The same plant in every store: cam-a busy (a third of its events show a crack, lag 2 s, outbox backed
 * up), cam-b online but sending events with no detections, cam-c stopped 20 minutes ago with a seq gap,
 * cam-d offline by its last will 60 s ago; cam-never is configured but never reported.
 */
async function fill(store: Store) {
  const a = Array.from({ length: 30 }, (_, i) =>
    makeEvent({
      camera: 'cam-a',
      seq: i,
      captured_at: new Date(NOW - 290 * S + i * 9 * S).toISOString(),
      detections: i % 3 === 0 ? [box('crack')] : [box('part')],
    }),
  );
  for (const e of a) await store.write([e], new Date(Date.parse(e.captured_at) + 2_000));
  const b = Array.from({ length: 5 }, (_, i) =>
    makeEvent({ camera: 'cam-b', seq: i, captured_at: new Date(NOW - 200 * S + i * S).toISOString(), detections: [] }),
  );
  for (const e of b) await store.write([e], new Date(Date.parse(e.captured_at) + 2_000));
  const c = [0, 1, 2, 5].map((seq) =>
    makeEvent({ camera: 'cam-c', site: 'plant-2', seq, captured_at: new Date(NOW - 1_200 * S + seq * S).toISOString() }),
  );
  await store.write(c, new Date(NOW - 1_190 * S));
  await store.writeStatus(
    makeStatus({ camera: 'cam-a', state: 'online', outbox_depth: 500, oldest_unsent_ms: 90_000 }),
    new Date(NOW - 5 * S),
  );
  await store.writeStatus(makeStatus({ camera: 'cam-d', state: 'offline' }), new Date(NOW - 60 * S));
  const letter = (ms: number) => ({
    topic: 'vision/eu/plant-1/cam-a/detection',
    // Four distinct messages (the same bytes on the same topic would be one letter: store.ts deadLetterId).
    payload: Buffer.from(`{${ms}`),
    code: 'SEAM_ERR_MALFORMED_JSON' as const,
    reason: 'bad',
    receivedAt: new Date(ms),
  });
  await store.writeDeadLetters([letter(NOW - 30 * S), letter(NOW - 60 * S), letter(NOW - 90 * S), letter(NOW - 400 * S)]);
  // A consumer's sample: cam-a's clock an hour behind, cam-b healthy, cam-c 30 s ahead (under the rule's minute).
  const clock = (camera: string, lag: number, site = 'plant-1') => ({
    region: 'eu',
    site,
    camera,
    minLagMs: lag,
    maxLagMs: lag + 900,
    events: 5,
  });
  await store.writeConsumerSample!({
    consumer: 'c-1',
    atMs: NOW - 60 * S,
    inFlight: 0,
    pending: 0,
    cameras: [clock('cam-a', 3_600_000 + 120 * S), clock('cam-b', 41), clock('cam-c', -30 * S, 'plant-2')],
  });
}

async function observed(store: Store) {
  const tick = await startTick(store, NOW, config.expectedCameras);
  const out: Record<string, string[]> = {};
  for (const rule of config.rules) {
    out[rule.name] = (await observe(rule, tick)).map(
      (o) => `${o.camera?.camera ?? '*'}=${Math.round(o.value * 100) / 100}${o.holds ? '!' : ''}`,
    );
  }
  return out;
}

/** What every store must answer: `!` marks the observations whose condition holds. */
const EXPECTED = {
  silent: ['cam-a=30', 'cam-b=0!', 'cam-c=0!', 'cam-never=0!', 'cam-d=0!'],
  'silent-events': ['cam-a=30', 'cam-b=5', 'cam-d=0!'],
  offline: ['cam-a=0', 'cam-b=0', 'cam-c=0', 'cam-never=0', 'cam-d=60!'],
  stale: ['cam-a=29', 'cam-b=196', 'cam-c=1195!', 'cam-never=-1!', 'cam-d=-1!'],
  lag: ['*=2000!'],
  dead: ['*=0.6!'],
  gaps: ['cam-a=0', 'cam-b=0', 'cam-c=2!', 'cam-never=0', 'cam-d=0'],
  outbox: ['cam-a=500!', 'cam-b=0', 'cam-c=0', 'cam-never=0', 'cam-d=0'],
  cracks: ['cam-a=0.33!', 'cam-b=0', 'cam-c=0', 'cam-never=0', 'cam-d=0'],
  clock: ['cam-a=3720!', 'cam-b=0.04', 'cam-c=-30', 'cam-never=0', 'cam-d=0'],
};

const sortCams = (o: Record<string, string[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, [...v].sort()]));

/** Fills a fresh store and compares every rule's observations with EXPECTED. */
async function check(store: Store) {
  await store.open();
  try {
    await fill(store);
    assert.deepEqual(sortCams(await observed(store)), sortCams(EXPECTED));
  } finally {
    await store.close();
  }
}

test('every rule kind measures each expected camera on DuckDB, a camera that stopped as an explicit zero', { timeout: 60_000 }, () =>
  check(new DuckDbStore({ path: ':memory:' })),
);

describe('rule kinds on PostgreSQL', () => {
  let pg: RunningPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  test('every rule kind measures the same figures on PostgreSQL as on DuckDB', { timeout: 90_000 }, () =>
    check(new PostgresStore({ url: pg.url, schema: 'rules_test', timescale: 'off' })),
  );
});

test('clock_offset says which way the clock is off and by how much, in words an operator reads', { timeout: 10_000 }, async () => {
  const rule = config.rules.find((r) => r.name === 'clock')!;
  const row = (camera: string, clockOffsetMs: number | null) => ({
    ...emptyCameraRow({ region: 'eu', site: 'plant-1', camera }),
    clockOffsetMs,
  });
  const rows = [row('behind', 3_720_000), row('ahead', -30_500), row('far-ahead', -125_000), row('unsampled', null)];
  const ctx = {
    nowMs: NOW,
    reader: undefined as never,
    cameras: rows,
    rows: new Map(rows.map((r) => [`eu/plant-1/${r.camera}`, r])),
    memo: <T>(_k: string, run: () => Promise<T>) => run(),
  };
  assert.deepEqual(
    (await rule.kind.evaluate(rule.params as never, ctx)).map((o) => [o.camera!.camera, o.holds, o.summary]),
    [
      ['behind', true, 'clock 1 h 2 m behind (events arrive 3,720 s after their captured_at)'],
      ['ahead', false, 'clock 31 s ahead (events arrive 31 s before their captured_at)'],
      ['far-ahead', true, 'clock 2 m 5 s ahead (events arrive 125 s before their captured_at)'],
      ['unsampled', false, 'no events committed in the last 5 minutes'],
    ],
  );
});
