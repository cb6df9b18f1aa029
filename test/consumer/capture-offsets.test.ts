import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptureOffsets } from '../../src/consumer/capture-offsets.ts';
import { makeEvent, makeEvents } from '../helpers/events.ts';

const COMMIT = Date.parse('2026-12-06T10:00:00.000Z');
const HOUR = 3_600_000;
const byCamera = (rows: { camera: string }[]) => Object.fromEntries(rows.map(({ camera, ...r }) => [camera, r]));

test('keeps per camera the smallest and largest commit time - captured_at and the count of its events', { timeout: 10_000 }, () => {
  const o = new CaptureOffsets();
  // Interleaved as a shared subscription delivers them: a healthy camera, one an hour behind (its events out
  // of order, as redeliveries and repairs arrive), one 30 s ahead.
  const healthy = makeEvents(5, { camera: 'healthy' }, COMMIT - 200, 40);
  const behind = makeEvents(5, { camera: 'behind' }, COMMIT - HOUR - 300, 50).reverse();
  const ahead = makeEvents(5, { camera: 'ahead' }, COMMIT + 30_000, 10);
  o.record(
    COMMIT,
    healthy.flatMap((e, i) => [e, behind[i], ahead[i]]),
  );
  assert.deepEqual(byCamera(o.drain()), {
    healthy: { region: 'eu', site: 'plant-1', minLagMs: 40, maxLagMs: 200, events: 5 },
    behind: { region: 'eu', site: 'plant-1', minLagMs: HOUR + 100, maxLagMs: HOUR + 300, events: 5 },
    ahead: { region: 'eu', site: 'plant-1', minLagMs: -30_040, maxLagMs: -30_000, events: 5 },
  });
});

test('folds every batch since the last drain, and a drain starts afresh', { timeout: 10_000 }, () => {
  const o = new CaptureOffsets();
  o.record(COMMIT, [makeEvent({ captured_at: new Date(COMMIT - 90).toISOString() })]);
  // A redelivery committed later: its lag only raises the largest.
  o.record(COMMIT + 5_000, [
    makeEvent({ captured_at: new Date(COMMIT - 90).toISOString() }),
    makeEvent({ captured_at: new Date(COMMIT + 4_970).toISOString() }),
  ]);
  assert.deepEqual(byCamera(o.drain())['cam-01'], { region: 'eu', site: 'plant-1', minLagMs: 30, maxLagMs: 5_090, events: 3 });
  assert.deepEqual(o.drain(), []);
});

test('tells apart cameras of the same name on different sites', { timeout: 10_000 }, () => {
  const o = new CaptureOffsets();
  o.record(COMMIT, [
    makeEvent({ site: 'plant-1', captured_at: new Date(COMMIT - 10).toISOString() }),
    makeEvent({ site: 'plant-2', captured_at: new Date(COMMIT - HOUR).toISOString() }),
  ]);
  assert.deepEqual(
    o
      .drain()
      .map((c) => [c.site, c.minLagMs])
      .sort(),
    [
      ['plant-1', 10],
      ['plant-2', HOUR],
    ],
  );
});

test('a camera whose clock reset to 1970 is measured like any other, in whole milliseconds', { timeout: 10_000 }, () => {
  const o = new CaptureOffsets();
  o.record(COMMIT, makeEvents(3, { camera: 'rtc' }, Date.parse('1970-01-01T00:00:01.000Z'), 1_000));
  const [c] = o.drain();
  assert.equal(c.minLagMs, COMMIT - Date.parse('1970-01-01T00:00:03.000Z'));
  assert.equal(c.maxLagMs, COMMIT - Date.parse('1970-01-01T00:00:01.000Z'));
});
