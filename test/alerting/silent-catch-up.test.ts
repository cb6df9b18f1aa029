/**
 * silent_camera after the store did not answer the engine (a store outage): the consumers could not commit either,
 * and until they have caught up every camera looks silent. One page per camera for a database outage is not what a
 * plant wants (the lag rule pages the outage); a camera that really went quiet must still page once the pipeline
 * has caught up, and every camera quiet after the outage (a power cut) must page too, after a bounded wait.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { AlertEngine } from '../../src/alerting/engine.ts';
import { CATCH_UP_MAX_MS } from '../../src/alerting/rules/silent-camera.ts';
import { LOCAL_LOCK } from '../../src/store/duckdb/alert-state.ts';
import { duckHarness, eventsEvery } from './harness.ts';

const S = 1_000;
const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const WINDOW_S = 8;

const config = parseAlertsConfig({
  evaluateEvery: '2s',
  expectedCameras: ['eu/plant-1/cam-a', 'eu/plant-1/cam-b'],
  receivers: [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/' }],
  route: { receivers: ['hook'], groupBy: ['alertname', 'camera'] },
  rules: [{ name: 'camera-silent', kind: 'silent_camera', severity: 'critical', params: { window: `${WINDOW_S}s`, signal: 'events' } }],
});

/** A DuckDB harness whose engine reads through a reader that throws while `down` is set, as a store that is down. */
async function outageHarness() {
  const h = await duckHarness(config, T0);
  const link = { down: false, lockDown: false };
  const reader = new Proxy(h.store, {
    get(target, key) {
      if (link.down && typeof key === 'string' && key !== 'capabilities') return () => Promise.reject(new Error('store down'));
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  // The lock as PostgreSQL's: lost while its connection is gone, not taken again until the database answers.
  const lock = { ...LOCAL_LOCK, acquire: async () => !link.lockDown, check: async () => !link.lockDown };
  const engine = new AlertEngine({ config, reader, state: h.state, lock, clock: h.clock });
  const firing = () =>
    engine
      .instances()
      .filter((a) => a.state === 'firing')
      .map((a) => a.key.split('/').pop()!)
      .sort();
  /** Ticks every 2 s from `fromS` to `toS` (seconds after T0), each tick's firing cameras after it. */
  const ticks = async (fromS: number, toS: number) => {
    const out: string[] = [];
    for (let s = fromS; s <= toS; s += 2) {
      h.clock.set(T0 + s * S);
      await engine.tick().catch(() => {});
      out.push(`${s}:${firing().join(',')}`);
    }
    return out;
  };
  const stored = (camera: string, fromS: number, toS: number) =>
    h.store.write(eventsEvery(camera, T0 + fromS * S, T0 + toS * S, S), new Date(T0 + toS * S));
  return { h, link, engine, firing, ticks, stored };
}

test('after a store outage no camera pages while the consumers catch up; the one that went quiet pages once they have', {
  timeout: 60_000,
}, async () => {
  const { h, link, firing, ticks, stored } = await outageHarness();
  try {
    await Promise.all([stored('cam-a', 0, 60), stored('cam-b', 0, 60)]);
    assert.deepEqual(await ticks(50, 60), ['50:', '52:', '54:', '56:', '58:', '60:'], 'both report: nothing fires');
    link.down = true;
    await ticks(62, 80);
    link.down = false;
    // The store answers from 82 s, but the consumers have stored nothing captured after 60 s yet.
    assert.deepEqual(await ticks(82, 84), ['82:', '84:'], 'nothing fires while nothing newer than the outage is stored');
    // cam-b's host died during the outage at 70 s; the consumers catch up to 86 s: still less than a window past the failure.
    await Promise.all([stored('cam-a', 60, 87), stored('cam-b', 60, 70)]);
    assert.deepEqual(await ticks(86, 86), ['86:']);
    await stored('cam-a', 87, 100);
    assert.deepEqual(
      await ticks(88, 92),
      ['88:cam-b', '90:cam-b', '92:cam-b'],
      'once a window past the failure is stored, the quiet camera pages, alone',
    );
    assert.deepEqual(firing(), ['cam-b']);
  } finally {
    await h.close();
  }
});

test('after a store outage, cameras that all stay quiet page once the catch-up wait is over', { timeout: 60_000 }, async () => {
  const { h, link, ticks, stored } = await outageHarness();
  try {
    await Promise.all([stored('cam-a', 0, 60), stored('cam-b', 0, 60)]);
    await ticks(50, 60);
    link.down = true;
    await ticks(62, 80);
    link.down = false;
    const lastFailureS = 80;
    const waitEndS = lastFailureS + WINDOW_S + CATCH_UP_MAX_MS / S;
    const after = await ticks(82, waitEndS + 2);
    assert.ok(
      after.slice(0, -2).every((t) => t.endsWith(':')),
      `nothing fires during the wait: ${after.join(' ')}`,
    );
    assert.deepEqual(after.slice(-2), [`${waitEndS}:cam-a,cam-b`, `${waitEndS + 2}:cam-a,cam-b`]);
  } finally {
    await h.close();
  }
});

test('a camera already firing before the outage stays firing through the wait: neither resolved nor paged again', {
  timeout: 60_000,
}, async () => {
  const { h, link, engine, ticks, stored } = await outageHarness();
  try {
    await Promise.all([stored('cam-a', 0, 60), stored('cam-b', 0, 40)]);
    await ticks(44, 60);
    const before = engine.instances().find((a) => a.key.endsWith('cam-b'))!;
    assert.equal(before.state, 'firing');
    link.down = true;
    await ticks(62, 80);
    link.down = false;
    assert.deepEqual(await ticks(82, 86), ['82:cam-b', '84:cam-b', '86:cam-b'], 'held, not resolved');
    await stored('cam-a', 60, 100);
    assert.deepEqual(await ticks(88, 90), ['88:cam-b', '90:cam-b']);
    const after = engine.instances().find((a) => a.key.endsWith('cam-b'))!;
    assert.deepEqual([after.activeAt, after.seq], [before.activeAt, before.seq], 'the same firing, not a new one');
  } finally {
    await h.close();
  }
});

test('a lock lost with the store counts as the store failing until the engine evaluates again, not only its first tick', {
  timeout: 60_000,
}, async () => {
  const { h, link, ticks, stored } = await outageHarness();
  try {
    await Promise.all([stored('cam-a', 0, 60), stored('cam-b', 0, 60)]);
    await ticks(50, 60);
    // Lost at 62; standing by (its reads answer) until the lock is back at 82. The last failure is 80, not 62.
    link.lockDown = true;
    await ticks(62, 80);
    link.lockDown = false;
    await Promise.all([stored('cam-a', 60, 76), stored('cam-b', 60, 76)]);
    assert.deepEqual(await ticks(82, 86), ['82:', '84:', '86:'], 'held: nothing stored a window past 80 s');
  } finally {
    await h.close();
  }
});

test('without a store failure a quiet camera pages at the first evaluation that sees its empty window', { timeout: 60_000 }, async () => {
  const { h, ticks, stored } = await outageHarness();
  try {
    await Promise.all([stored('cam-a', 0, 100), stored('cam-b', 0, 60)]);
    assert.deepEqual(await ticks(64, 70), ['64:', '66:', '68:cam-b', '70:cam-b']);
  } finally {
    await h.close();
  }
});
