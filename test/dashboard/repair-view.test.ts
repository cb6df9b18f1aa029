import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { newRange } from '../../src/store/sql/repair-ledger.ts';
import type { RepairRange } from '../../src/store/repair-ledger.ts';
import { burst, MINUTE } from './events.ts';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let store: DuckDbStore;
let dash: Dashboard;
let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), 'seamline-repair-view-'));

/** cam-a: 10 seqs missing and being repaired; cam-b: 4 confirmed lost (evicted) and 6 repaired; cam-c: nothing. */
async function fillLedger(store: DuckDbStore): Promise<void> {
  const now = Date.now();
  const ledger = await store.capabilities.repairLedger.open();
  const range = (camera: string, f: Partial<RepairRange>) =>
    newRange({
      region: 'eu',
      site: 'plant-1',
      camera,
      incarnation: 'x',
      from: 1,
      to: 1,
      state: 'repairing',
      reason: null,
      detectedAtMs: now - 5_000,
      attempts: 1,
      nextAttemptMs: now,
      resolvedAtMs: null,
      ...f,
    });
  for (const [camera, ranges] of [
    ['cam-a', [range('cam-a', { from: 100, to: 109 })]],
    [
      'cam-b',
      [
        range('cam-b', { from: 20, to: 23, state: 'lost', reason: 'evicted', resolvedAtMs: now - 1_000 }),
        range('cam-b', { from: 24, to: 29, state: 'repaired', resolvedAtMs: now - 1_000 }),
      ],
    ],
  ] as const) {
    const cam = {
      region: 'eu',
      site: 'plant-1',
      camera,
      incarnation: uuidv7(),
      incarnationStartedMs: now,
      watermark: 0,
      scannedToMs: now,
      ackedThrough: 0,
      announcedAtMs: now,
      owner: 't',
      leaseUntilMs: now + MINUTE,
    };
    await ledger.insertCamera(cam);
    await ledger.update('t', now, cam, [...ranges]);
  }
}

const writeEvents = (store: DuckDbStore) => {
  const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
  return store.write(
    ['cam-a', 'cam-b', 'cam-c'].flatMap((c) => burst(c, minute - MINUTE, 2)),
    new Date(),
  );
};

before(async () => {
  store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  await writeEvents(store);
  await fillLedger(store);
  dash = await startDashboard({ reader: store, port: 0, panelsEveryMs: 1_000 });
});

after(async () => {
  await browser?.close();
  await dash?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const launch = async () => (browser ??= await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS }));

type CameraFigures = {
  camera: string;
  repairing: number | null;
  lost: number | null;
  repaired: number | null;
  lostReasons: Record<string, number> | null;
};
const panels = async (url: string, query = '') => {
  const res = await fetch(`${url}/api/panels?range=15m${query}`);
  assert.equal(res.status, 200);
  const o = (await res.json()) as { repair: unknown; cameras: CameraFigures[] };
  return { repair: o.repair, cams: Object.fromEntries(o.cameras.map((c) => [c.camera, [c.repairing, c.lost, c.repaired, c.lostReasons]])) };
};

test('the overview tells missing-and-repairing from lost-and-confirmed, per camera and in all', { timeout: 30_000 }, async () => {
  const o = await (await fetch(`${dash.url}/api/overview`)).json();
  const cams = Object.fromEntries(o.cameras.map((c: { camera: string }) => [c.camera, c]));
  assert.deepEqual([cams['cam-a'].repairing, cams['cam-a'].lost, cams['cam-a'].repaired], [10, 0, 0]);
  assert.deepEqual(
    [cams['cam-b'].repairing, cams['cam-b'].lost, cams['cam-b'].repaired, cams['cam-b'].lostReasons],
    [0, 4, 6, { evicted: 4 }],
  );
  assert.deepEqual([cams['cam-c'].repairing, cams['cam-c'].lost], [0, 0]);
  assert.deepEqual(o.repair, { repairing: 10, repaired: 6, lost: 4 });
});

test('the live panels carry repair per camera and in all, and the filters narrow it', { timeout: 30_000 }, async () => {
  const all = await panels(dash.url);
  assert.deepEqual(all.repair, { repairing: 10, repaired: 6, lost: 4, lostReasons: { evicted: 4 } });
  assert.deepEqual(all.cams, { 'cam-a': [10, 0, 0, {}], 'cam-b': [0, 4, 6, { evicted: 4 }], 'cam-c': [0, 0, 0, {}] });
  const b = await panels(dash.url, '&camera=cam-b');
  assert.deepEqual(b.repair, { repairing: 0, repaired: 6, lost: 4, lostReasons: { evicted: 4 } });
  assert.deepEqual(Object.keys(b.cams), ['cam-b']);
  const elsewhere = await panels(dash.url, '&site=plant-2');
  assert.deepEqual(elsewhere.repair, { repairing: 0, repaired: 0, lost: 0, lostReasons: {} });
});

test('the page shows repairing as a warning and confirmed loss as an alarm, with the reason', { timeout: 60_000 }, async () => {
  const page = await (await launch()).newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(dash.url);
  await page.waitForSelector('body[data-panels-time]', { timeout: 15_000 });
  assert.deepEqual(await page.$eval('#repairing', (e) => [e.textContent, e.className]), ['10', 'kpi-value warn']);
  assert.deepEqual(await page.$eval('#lost', (e) => [e.textContent, e.className]), ['4', 'kpi-value bad']);
  const cell = (camera: string, column: number) =>
    page.$eval(`#camera-rows tr[data-key="eu/plant-1/${camera}"] td:nth-child(${column})`, (td) => [
      td.textContent,
      td.className,
      td.getAttribute('title'),
    ]);
  const header = await page.$$eval('table.cameras thead th', (ths) => ths.map((t) => t.textContent));
  const [repairing, lost] = [header.indexOf('Repairing') + 1, header.indexOf('Lost') + 1];
  assert.deepEqual(await cell('cam-a', repairing), ['10', 'num warn', null]);
  assert.deepEqual(await cell('cam-b', lost), ['4', 'num bad', '4 evicted']);
  assert.deepEqual(await cell('cam-c', lost), ['0', 'num', null]);
  assert.match((await page.$eval('#lost', (e) => e.parentElement!.getAttribute('title'))) ?? '', /\(4 evicted\)$/);
  assert.equal(await page.textContent('#repair-state'), '10 repairing now, 6 repaired, 4 lost in the window');

  // The status pushes (every second) rewrite state, age and outbox in place and the panels come again
  // (every second here): the repair cells must survive both.
  const seen = Number(await page.getAttribute('body', 'data-panels-time'));
  await page.waitForFunction((t) => Number(document.body.getAttribute('data-panels-time')) > t, seen, { timeout: 15_000 });
  const status = Number(await page.getAttribute('body', 'data-server-time'));
  await page.waitForFunction((t) => Number(document.body.getAttribute('data-server-time')) > t, status, { timeout: 15_000 });
  assert.deepEqual(await cell('cam-a', repairing), ['10', 'num warn', null]);
  assert.deepEqual(await cell('cam-b', lost), ['4', 'num bad', '4 evicted']);

  // A camera filter narrows the header figures to that camera.
  await page.selectOption('#f-camera', 'cam-a');
  await page.waitForFunction(() => document.querySelectorAll('#camera-rows tr').length === 1, undefined, { timeout: 15_000 });
  assert.deepEqual(await page.$eval('#repairing', (e) => [e.textContent, e.className]), ['10', 'kpi-value warn']);
  assert.deepEqual(await page.$eval('#lost', (e) => [e.textContent, e.className]), ['0', 'kpi-value']);
  await page.close();
});

test('a read-only store no consumer has made a ledger in shows — for repair, never 0; once one has, its figures', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'plant.duckdb');
  const writer = new DuckDbStore({ path });
  await writer.open();
  await writeEvents(writer);
  await writer.close();

  const readOnly = async () => {
    const ro = new DuckDbStore({ path, readOnly: true });
    await ro.open();
    return { ro, dash: await startDashboard({ reader: ro, port: 0 }) };
  };
  let { ro, dash: view } = await readOnly();
  try {
    const none = await panels(view.url);
    assert.equal(none.repair, null);
    assert.deepEqual(none.cams, {
      'cam-a': [null, null, null, null],
      'cam-b': [null, null, null, null],
      'cam-c': [null, null, null, null],
    });
    const page = await (await launch()).newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(view.url + '/?range=15m');
    await page.waitForSelector('body[data-panels-time]', { timeout: 15_000 });
    assert.deepEqual(
      [await page.textContent('#repairing'), await page.textContent('#lost'), await page.textContent('#repair-state')],
      ['—', '—', 'not recorded by this store'],
    );
    await page.close();
  } finally {
    await view.close();
    await ro.close();
  }

  // A consumer with repair creates the ledger in the file; the next read-only look finds it.
  const consumer = new DuckDbStore({ path });
  await consumer.open();
  await fillLedger(consumer);
  await consumer.close();
  ({ ro, dash: view } = await readOnly());
  try {
    assert.deepEqual((await panels(view.url)).repair, { repairing: 10, repaired: 6, lost: 4, lostReasons: { evicted: 4 } });
    await assert.rejects(
      ro.capabilities.repairLedger.open().then((l) =>
        l.insertCamera({
          region: 'eu',
          site: 'plant-1',
          camera: 'x',
          incarnation: 'i',
          incarnationStartedMs: 0,
          watermark: 0,
          scannedToMs: 0,
          ackedThrough: 0,
          announcedAtMs: 0,
          owner: null,
          leaseUntilMs: 0,
        }),
      ),
      /read-only|read only/i,
    );
  } finally {
    await view.close();
    await ro.close();
  }
});
