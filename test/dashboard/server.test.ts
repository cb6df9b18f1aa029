import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import type { Overview } from '../../src/dashboard/overview.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import type { StoreReader } from '../../src/store/reader.ts';
import { burst, detection, MINUTE, status } from './events.ts';

// A fixed, minute-aligned origin: every count below is exact because nothing depends on the wall clock.
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const COMMITTED = new Date(T0 + 10 * MINUTE);
// Pins the API window to minutes T0 .. T0+4 (five whole minutes).
const WINDOW = `minutes=5&to=${T0 + 4 * MINUTE + 30_000}`;

async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('dashboard API over a DuckDB store', () => {
  let store: DuckDbStore;
  let dash: Dashboard;
  let extraCalls = 0;

  before(async () => {
    store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    await store.write(
      [
        ...burst('cam-a', T0, 3, ['scratch', 'dent']), // minute 0: 3 events, 6 detections
        ...burst('cam-a', T0 + 2 * MINUTE, 2, ['scratch']), // minute 2: 2 events, 2 detections
        ...burst('cam-b', T0 + MINUTE, 5, ['dent']), // minute 1: 5 events, 5 detections
        detection({ camera: 'cam-b', at: T0 - 10 * MINUTE, classes: ['crack'] }), // before the window
        detection({ camera: 'cam-b', at: T0 + 4 * MINUTE + 59_000, classes: [] }), // last minute, no boxes
      ],
      COMMITTED,
    );
    await store.writeStatus(status('cam-a', 'online', T0), new Date(T0));
    await store.writeStatus(status('cam-c', 'offline', T0), new Date(T0));
    dash = await startDashboard({
      reader: store,
      port: 0,
      now: () => T0 + 4 * MINUTE + 30_000,
      // Different on every call, with values the page cannot show: what comes back must be this call's numbers.
      extra: async () => {
        extraCalls += 1;
        return { dead_lettered: extraCalls, in_flight: 7 * extraCalls, not_finite: Number.NaN, label: 'x' as unknown as number };
      },
    });
  });

  after(async () => {
    await dash.close();
    await store.close();
  });

  test('counts detections and events per minute per camera exactly as written', { timeout: 30_000 }, async () => {
    const { status: code, body } = await getJson(`${dash.url}/api/overview?${WINDOW}`);
    assert.equal(code, 200);
    const o = body as Overview;
    assert.deepEqual(o.window, { minutes: 5, fromMs: T0, toMs: T0 + 5 * MINUTE });
    assert.deepEqual(
      o.series.minutes,
      [0, 1, 2, 3, 4].map((i) => T0 + i * MINUTE),
    );
    assert.deepEqual(o.series.cameras, [
      { key: 'eu/plant-1/cam-a', events: [3, 0, 2, 0, 0], detections: [6, 0, 2, 0, 0] },
      { key: 'eu/plant-1/cam-b', events: [0, 5, 0, 0, 1], detections: [0, 5, 0, 0, 0] },
      // cam-c only ever sent a status: it still gets a (flat) series so the chart shows it is silent.
      { key: 'eu/plant-1/cam-c', events: [0, 0, 0, 0, 0], detections: [0, 0, 0, 0, 0] },
    ]);
  });

  test('lists exactly the cameras written, online, offline or unknown, with last event age', { timeout: 30_000 }, async () => {
    const { body } = await getJson(`${dash.url}/api/overview?${WINDOW}`);
    const o = body as Overview;
    const now = T0 + 4 * MINUTE + 30_000;
    assert.deepEqual(
      o.cameras.map((c) => [c.key, c.state, c.events, c.detections]),
      [
        ['eu/plant-1/cam-a', 'online', 5, 8],
        ['eu/plant-1/cam-b', 'unknown', 7, 6],
        ['eu/plant-1/cam-c', 'offline', 0, 0],
      ],
    );
    const camA = o.cameras[0]!;
    assert.equal(camA.lastEventAt, T0 + 2 * MINUTE + 1100);
    assert.equal(camA.lastEventAgeMs, now - (T0 + 2 * MINUTE + 1100));
    assert.equal(o.cameras[2]!.lastEventAt, null);
    assert.equal(o.serverTime, now);
  });

  test('breaks detections down by class within the window, largest first', { timeout: 30_000 }, async () => {
    const { body } = await getJson(`${dash.url}/api/overview?${WINDOW}`);
    // The crack outside the window is not counted.
    assert.deepEqual((body as Overview).classes, [
      { class: 'dent', detections: 8 },
      { class: 'scratch', detections: 5 },
    ]);
  });

  test('reports inference latency and end-to-end lag percentiles over the window', { timeout: 30_000 }, async () => {
    const { body } = await getJson(`${dash.url}/api/overview?${WINDOW}`);
    const { latency } = body as Overview;
    assert.equal(latency.inferenceP50Ms, 20);
    assert.equal(latency.inferenceP99Ms, 20);
    // Lag is committed_at - captured_at; every event in the window was committed at T0 + 10 min.
    assert.ok(latency.lagP50Ms! > 5 * MINUTE && latency.lagP50Ms! < 10 * MINUTE, `lag p50 ${latency.lagP50Ms}`);
    assert.ok(latency.lagP99Ms! >= latency.lagP50Ms!);
  });

  test('includes store totals and the consumer counters as read for that request, numbers only', { timeout: 30_000 }, async () => {
    const first = (await getJson(`${dash.url}/api/overview?${WINDOW}`)).body as Overview;
    const call = extraCalls;
    assert.deepEqual(first.totals, { events: 12, detections: 14, deadLetters: 0 });
    assert.deepEqual(first.extra, { dead_lettered: call, in_flight: 7 * call }, 'the finite numbers of that call, nothing else');
    const second = (await getJson(`${dash.url}/api/overview?${WINDOW}`)).body as Overview;
    assert.equal(extraCalls, call + 1, 'read again on the next request, not cached');
    assert.deepEqual(second.extra, { dead_lettered: call + 1, in_flight: 7 * (call + 1) });
  });

  test('shows an empty window as zero series and null latency, not an error', { timeout: 30_000 }, async () => {
    const { status: code, body } = await getJson(`${dash.url}/api/overview?minutes=2&to=${T0 - 60 * MINUTE}`);
    assert.equal(code, 200);
    const o = body as Overview;
    assert.deepEqual(
      o.series.cameras.map((c) => c.detections),
      [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    );
    assert.deepEqual(o.classes, []);
    assert.equal(o.latency.inferenceP50Ms, null);
    assert.equal(o.latency.lagP99Ms, null);
  });

  const badQueries: [string, string][] = [
    ['minutes=0', 'minutes'],
    ['minutes=1441', 'minutes'],
    ['minutes=abc', 'minutes'],
    ['minutes=2.5', 'minutes'],
    ['minutes=', 'minutes'],
    ['minutes=5&minutes=6', 'minutes'],
    ['to=-1', 'to'],
    ['to=yesterday', 'to'],
    ['minute=5', 'minute'],
  ];
  for (const [query, field] of badQueries) {
    test(`answers 400 naming the field "${field}" for ?${query}`, { timeout: 30_000 }, async () => {
      const { status: code, body } = await getJson(`${dash.url}/api/overview?${query}`);
      assert.equal(code, 400);
      assert.equal(body.error, 'SEAM_ERR_BAD_QUERY');
      assert.equal(body.field, field);
      assert.match(body.message, new RegExp(field));
    });
  }

  test('marks every answer no-store so no cache shows an old minute', { timeout: 30_000 }, async () => {
    for (const path of ['/api/overview', '/healthz', '/', '/app.js']) {
      const res = await fetch(`${dash.url}${path}`);
      await res.arrayBuffer();
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
    }
  });

  test('serves the page, its script and styles, and uPlot from node_modules', { timeout: 30_000 }, async () => {
    const cases: [string, RegExp][] = [
      ['/', /text\/html/],
      ['/app.js', /javascript/],
      ['/style.css', /text\/css/],
      ['/vendor/uPlot.iife.min.js', /javascript/],
      ['/vendor/uPlot.min.css', /text\/css/],
    ];
    for (const [path, type] of cases) {
      const res = await fetch(`${dash.url}${path}`);
      const text = await res.text();
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      assert.ok(text.length > 100, path);
    }
    const page = await (await fetch(`${dash.url}/`)).text();
    assert.match(page, /vendor\/uPlot\.iife\.min\.js/);
  });

  test('gives each camera the seq gaps the store answered for, and null, not 0, for a camera it gave no answer for', {
    timeout: 30_000,
  }, async () => {
    const { body } = await getJson(`${dash.url}/api/overview?${WINDOW}`);
    const o = body as Overview;
    // cam-a and cam-b sent consecutive seqs inside the settled window: answered, none missing. cam-c only sent
    // a status, so the store has no seq range for it: no answer, which must not read as "nothing lost".
    assert.deepEqual(
      o.cameras.map((c) => [c.key, c.missing]),
      [
        ['eu/plant-1/cam-a', 0],
        ['eu/plant-1/cam-b', 0],
        ['eu/plant-1/cam-c', null],
      ],
    );
    assert.equal(o.seqGaps, 0);
  });

  test('answers healthz ok while the store answers', { timeout: 30_000 }, async () => {
    const { status: code, body } = await getJson(`${dash.url}/healthz`);
    assert.equal(code, 200);
    assert.equal(body.ok, true);
  });
});

describe('dashboard API when parts fail', () => {
  test('keeps serving stored figures when the extra counters throw', { timeout: 30_000 }, async () => {
    const store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    await store.write(burst('cam-a', T0, 2), COMMITTED);
    const dash = await startDashboard({
      reader: store,
      port: 0,
      extra: async () => {
        throw new Error('consumer gone');
      },
    });
    try {
      const { status: code, body } = await getJson(`${dash.url}/api/overview?${WINDOW}`);
      assert.equal(code, 200);
      assert.equal(body.extra, null);
      assert.equal(body.totals.events, 2);
    } finally {
      await dash.close();
      await store.close();
    }
  });

  test('a store that answers no seq gaps for a camera shows it and the total as null, not as no loss', { timeout: 30_000 }, async () => {
    const store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    await store.write(burst('cam-a', T0, 2), COMMITTED);
    // The same store answering no camera's seq gaps, and keeping nothing more: the page must say it cannot tell.
    const reader: StoreReader = {
      capabilities: { panels: null, alertCounts: null, repairLedger: null, alertState: null, shiftCounts: null },
      perMinute: (from, to) => store.perMinute(from, to),
      cameras: () => store.cameras(),
      clockOffsets: () => store.clockOffsets(),
      classes: (from, to) => store.classes(from, to),
      latency: (from, to) => store.latency(from, to),
      totals: () => store.totals(),
      seqGaps: async () => [],
    };
    const dash = await startDashboard({ reader, port: 0, now: () => T0 + 4 * MINUTE + 30_000 });
    try {
      const o = (await getJson(`${dash.url}/api/overview?${WINDOW}`)).body as Overview;
      assert.deepEqual(
        o.cameras.map((c) => [c.key, c.events, c.missing]),
        [['eu/plant-1/cam-a', 2, null]],
      );
      assert.equal(o.seqGaps, null);
    } finally {
      await dash.close();
      await store.close();
    }
  });

  test('answers 503 on healthz and the API when the store is closed', { timeout: 30_000 }, async () => {
    const store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    const dash = await startDashboard({ reader: store, port: 0 });
    try {
      await store.close();
      assert.equal((await getJson(`${dash.url}/healthz`)).status, 503);
      const api = await getJson(`${dash.url}/api/overview`);
      assert.equal(api.status, 503);
      assert.equal(api.body.error, 'store_unavailable');
    } finally {
      await dash.close();
    }
  });
});
