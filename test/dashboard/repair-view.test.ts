import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { DuckDbStore } from '../../src/store/duckdb.ts';
import { newRange } from '../../src/store/repair-ledger-sql.ts';
import type { RepairRange } from '../../src/store/repair-ledger.ts';
import { burst, MINUTE } from './events.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let store: DuckDbStore;
let dash: Dashboard;
let browser: Browser | undefined;

/** cam-a: 10 seqs missing and being repaired; cam-b: 4 confirmed lost (evicted) and 6 repaired; cam-c: nothing. */
before(async () => {
  store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  const now = Date.now();
  const minute = Math.floor(now / MINUTE) * MINUTE;
  await store.write(['cam-a', 'cam-b', 'cam-c'].flatMap((c) => burst(c, minute - MINUTE, 2)), new Date());
  const ledger = await store.openRepairLedger();
  const range = (camera: string, f: Partial<RepairRange>) =>
    newRange({ region: 'eu', site: 'plant-1', camera, incarnation: 'x', from: 1, to: 1, state: 'repairing', reason: null, detectedAtMs: now - 5_000, attempts: 1, nextAttemptMs: now, resolvedAtMs: null, ...f });
  for (const [camera, ranges] of [
    ['cam-a', [range('cam-a', { from: 100, to: 109 })]],
    ['cam-b', [range('cam-b', { from: 20, to: 23, state: 'lost', reason: 'evicted', resolvedAtMs: now - 1_000 }), range('cam-b', { from: 24, to: 29, state: 'repaired', resolvedAtMs: now - 1_000 })]],
  ] as const) {
    const cam = { region: 'eu', site: 'plant-1', camera, incarnation: uuidv7(), incarnationStartedMs: now, watermark: 0, scannedToMs: now, ackedThrough: 0, announcedAtMs: now, owner: 't', leaseUntilMs: now + MINUTE };
    await ledger.insertCamera(cam);
    await ledger.update('t', now, cam, [...ranges]);
  }
  dash = await startDashboard({ reader: store, port: 0 });
});

after(async () => {
  await browser?.close();
  await dash?.close();
  await store?.close();
});

test('the overview tells missing-and-repairing from lost-and-confirmed, per camera and in all', { timeout: 30_000 }, async () => {
  const o = await (await fetch(`${dash.url}/api/overview`)).json();
  const cams = Object.fromEntries(o.cameras.map((c: { camera: string }) => [c.camera, c]));
  assert.deepEqual([cams['cam-a'].repairing, cams['cam-a'].lost, cams['cam-a'].repaired], [10, 0, 0]);
  assert.deepEqual([cams['cam-b'].repairing, cams['cam-b'].lost, cams['cam-b'].repaired, cams['cam-b'].lostReasons], [0, 4, 6, { evicted: 4 }]);
  assert.deepEqual([cams['cam-c'].repairing, cams['cam-c'].lost], [0, 0]);
  assert.deepEqual(o.repair, { repairing: 10, repaired: 6, lost: 4 });
});

test('the page shows repairing as a warning and confirmed loss as an alarm, with the reason', { timeout: 60_000 }, async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(dash.url);
  await page.waitForSelector('body[data-server-time]', { timeout: 10_000 });
  assert.deepEqual(await page.$eval('#repairing', (e) => [e.textContent, e.className]), ['10', 'kpi-value warn']);
  assert.deepEqual(await page.$eval('#lost', (e) => [e.textContent, e.className]), ['4', 'kpi-value bad']);
  const cell = (camera: string, column: number) =>
    page.$eval(`#camera-rows tr[data-key="eu/plant-1/${camera}"] td:nth-child(${column})`, (td) => [td.textContent, td.className, td.getAttribute('title')]);
  const header = await page.$$eval('table.cameras thead th', (ths) => ths.map((t) => t.textContent));
  const [repairing, lost] = [header.indexOf('Repairing') + 1, header.indexOf('Lost') + 1];
  assert.deepEqual(await cell('cam-a', repairing), ['10', 'num warn', null]);
  assert.deepEqual(await cell('cam-b', lost), ['4', 'num bad', '4 evicted']);
  assert.deepEqual(await cell('cam-c', lost), ['0', 'num', null]);
});
