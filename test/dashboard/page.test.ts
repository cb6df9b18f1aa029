import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { DuckDbStore } from '../../src/store/duckdb.ts';
import { burst, detection, MINUTE, status } from './events.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// The page polls every 2 s; allow a few polls before calling an update missing.
const LIVE_TIMEOUT_MS = 8_000;

const rowKeys = (page: Page) =>
  page.$$eval('#camera-rows tr', (rows) => rows.map((r) => r.getAttribute('data-key')));

/** Pixels on the chart canvas close to a series colour: proof that lines were drawn, not only axes. */
const pixelsOfColour = (page: Page, rgb: [number, number, number]) =>
  page.$eval(
    '#chart canvas',
    (canvas, [r, g, b]) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - r) < 30 && Math.abs(data[i + 1]! - g) < 30 && Math.abs(data[i + 2]! - b) < 30) n++;
      }
      return n;
    },
    rgb,
  );

/** A store filled by `fill`, the dashboard over it, and Chromium showing its first render. */
async function openDashboardPage(
  fill: (store: DuckDbStore) => Promise<void>,
  options: { viewport: { width: number; height: number }; extra?: () => Promise<Record<string, number>>; pageErrors?: string[] },
): Promise<{ store: DuckDbStore; dash: Dashboard; browser: Browser; page: Page }> {
  // A missing browser fails these tests: the test command installs it, and a skip would let the run pass.
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install the Debian "chromium" package (scripts/test-all.sh does)`);
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  await fill(store);
  const dash = await startDashboard({ reader: store, port: 0, extra: options.extra });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport: options.viewport });
  page.on('pageerror', (err) => options.pageErrors?.push(err.message));
  await page.goto(dash.url);
  await page.waitForSelector('body[data-server-time]', { timeout: LIVE_TIMEOUT_MS });
  return { store, dash, browser, page };
}

// Counted as a failure in the summary (a failing before hook only cancels the tests under it).
test(`Chromium is installed at ${CHROMIUM}, where the browser tests launch it`, { timeout: 10_000 }, () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install the Debian "chromium" package (scripts/test-all.sh does)`);
});

describe('dashboard page in Chromium', () => {
  let browser: Browser;
  let store: DuckDbStore;
  let dash: Dashboard;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ({ store, dash, browser, page } = await openDashboardPage(
      async (s) => {
        const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
        // cam-b's last event jumps its seq by 4: four events lost upstream, which the page must show.
        const camB = burst('cam-b', minute - MINUTE, 3, ['crack']).map((e, i) => (i === 2 ? { ...e, seq: e.seq + 4 } : e));
        await s.write([...burst('cam-a', minute - 2 * MINUTE, 4, ['scratch', 'dent']), ...camB], new Date());
        await s.writeStatus(status('cam-a', 'online', Date.now()), new Date());
      },
      { viewport: { width: 1600, height: 900 }, extra: async () => ({ dead_lettered: 0 }), pageErrors },
    ));
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    await store?.close();
  });

  test('renders the chart canvas with a line per camera', { timeout: 30_000 }, async () => {
    const size = await page.$eval('#chart canvas', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    assert.ok(size[0]! > 300 && size[1]! > 150, `canvas ${size}`);
    // First two palette colours: cam-a #4fc3f7, cam-b #ffb74d.
    assert.ok((await pixelsOfColour(page, [0x4f, 0xc3, 0xf7])) > 50, 'cam-a line drawn');
    assert.ok((await pixelsOfColour(page, [0xff, 0xb7, 0x4d])) > 50, 'cam-b line drawn');
    assert.equal(await page.isVisible('#chart-empty'), false);
    assert.deepEqual(pageErrors, []);
  });

  test('shows exactly the cameras written, with status and counts', { timeout: 30_000 }, async () => {
    assert.deepEqual(await rowKeys(page), ['eu/plant-1/cam-a', 'eu/plant-1/cam-b']);
    const cells = await page.$$eval('#camera-rows tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    assert.deepEqual(cells.map((c) => [c[2], c[3], c[5], c[6], c[7]]), [
      ['cam-a', 'online', '4', '8', '0'],
      ['cam-b', 'unknown', '3', '3', '4'],
    ]);
    assert.equal(await page.textContent('#total-events'), '7');
    assert.equal(await page.textContent('#seq-gaps'), '4');
    assert.deepEqual(await page.$$eval('#classes .bar-name', (n) => n.map((x) => x.textContent)), ['dent', 'scratch', 'crack']);
  });

  test('updates live within a few seconds when more events are written', { timeout: 30_000 }, async () => {
    await store.write([...burst('cam-c', Math.floor(Date.now() / MINUTE) * MINUTE, 5), ...burst('cam-a', Date.now() - 5000, 1)], new Date());
    await page.waitForFunction(
      () => document.querySelector('#camera-rows tr[data-key="eu/plant-1/cam-c"]') !== null,
      undefined,
      { timeout: LIVE_TIMEOUT_MS },
    );
    assert.deepEqual(await rowKeys(page), ['eu/plant-1/cam-a', 'eu/plant-1/cam-b', 'eu/plant-1/cam-c']);
    assert.equal(await page.textContent('#total-events'), '13');
    // The chart was rebuilt with the third camera's series (#81c784).
    assert.ok((await pixelsOfColour(page, [0x81, 0xc7, 0x84])) > 50, 'cam-c line drawn');
  });

  test('shows a hostile camera name as text, never as markup', { timeout: 30_000 }, async () => {
    // Bypasses the consumer's identifier check on purpose: the page must not rely on it.
    const hostile = '<img src=x onerror="window.__pwned=1">';
    await store.write([detection({ camera: hostile, at: Date.now() - 1000, classes: ['<b id="pwn">x</b>'] })], new Date());
    await page.waitForFunction((n) => document.querySelectorAll('#camera-rows tr').length === n, 4, {
      timeout: LIVE_TIMEOUT_MS,
    });
    const shown = await page.$$eval('#camera-rows td.cam', (tds) => tds.map((td) => td.textContent));
    assert.ok(shown.includes(hostile), 'the name appears literally');
    assert.equal(await page.$$eval('main img, #pwn', (n) => n.length), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });
});

describe('dashboard page with nothing stored', () => {
  let browser: Browser;
  let store: DuckDbStore;
  let dash: Dashboard;
  let page: Page;

  before(async () => {
    ({ store, dash, browser, page } = await openDashboardPage(async () => {}, { viewport: { width: 1280, height: 800 } }));
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    await store?.close();
  });

  test('says "no data yet" instead of drawing an empty chart and table', { timeout: 30_000 }, async () => {
    assert.match((await page.textContent('#chart-empty')) ?? '', /No data yet/);
    assert.equal(await page.isVisible('#chart-empty'), true);
    assert.equal(await page.isVisible('#cameras-empty'), true);
    assert.equal(await page.isVisible('#classes-empty'), true);
    assert.equal(await page.$$eval('#camera-rows tr', (r) => r.length), 0);
    assert.equal(await page.textContent('#inf-p50'), '—');
  });

  test('says the connection is lost when the server stops answering', { timeout: 30_000 }, async () => {
    await dash.close();
    await page.waitForFunction(() => document.body.classList.contains('disconnected'), undefined, {
      timeout: LIVE_TIMEOUT_MS,
    });
    assert.match((await page.textContent('#conn-text')) ?? '', /no connection/);
  });
});
