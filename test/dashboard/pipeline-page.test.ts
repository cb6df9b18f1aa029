import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stopStepLogger } from '../helpers/pipeline-logger.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmbeddedPipeline, type EmbeddedPipeline } from '../../src/cli/services/embedded-pipeline.ts';
import { START_DEFAULTS } from '../../src/cli/config/start.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';

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
const MIN = 60_000;
const CAMERAS = [
  ['site-1', 'cam-01'],
  ['site-2', 'cam-02'],
  ['site-1', 'cam-03'],
  ['site-2', 'cam-04'],
];
const CLASSES = ['scratch', 'dent', 'crack'];

/** Twenty minutes of plant history written through the store's write path before the pipeline starts, so there are complete minutes to draw. */
async function history(path: string, now: number): Promise<void> {
  const store = new DuckDbStore({ path });
  await store.open();
  const from = now - 20 * MIN;
  for (const [site, camera] of [...CAMERAS, ['site-1', 'line-9']]) {
    await store.writeStatus(makeStatus({ region: 'eu', site, camera, state: 'online', at: new Date(from).toISOString() }), new Date(from));
  }
  const all = [...CAMERAS, ['site-1', 'line-9']];
  for (let t = from; t < now; t += 2_000) {
    const events = [];
    for (const [c, [site, camera]] of all.entries()) {
      if (camera === 'line-9' && t > now - 8 * MIN) continue;
      // Each camera its own rate (2 to 6 events/s), so the lines stand apart.
      const n = 4 + 2 * c;
      for (let k = 0; k < n; k++) {
        const at = t + Math.floor((k * 2_000) / n);
        events.push(
          makeEvent({
            region: 'eu',
            site,
            camera,
            seq: Math.round(((t - from) / 2_000) * n) + k,
            captured_at: new Date(at).toISOString(),
            inferred_at: new Date(at + 20 + ((k * 7) % 40)).toISOString(),
            detections: [{ class: CLASSES[k % 3], class_id: k % 3, confidence: 0.9, bbox: [1, 1, 5, 5] }],
          }),
        );
      }
    }
    await store.write(events, new Date(t + 2_000 + 40));
    if (t % 10_000 >= 2_000) continue;
    for (const [site, camera] of CAMERAS) {
      await store.writeStatus(
        makeStatus({
          region: 'eu',
          site,
          camera,
          state: 'online',
          at: new Date(t).toISOString(),
          outbox_depth: Math.floor(t / 10_000) % 7,
          drops: 0,
        }),
        new Date(t),
      );
    }
    await store.writeConsumerSample({ consumer: 'seamline-consumer-1', atMs: t, inFlight: 50 + (Math.floor(t / 10_000) % 30), pending: 3 });
  }
  await store.writeStatus(
    makeStatus({ region: 'eu', site: 'site-1', camera: 'line-9', state: 'offline', at: new Date(from).toISOString() }),
    new Date(now - 8 * MIN),
  );
  await store.close();
}

/** Pixels on a chart's canvas near a colour: lines were drawn, not only axes. */
const pixels = (page: Page, id: string, [r, g, b]: number[]) =>
  page.$eval(
    `#${id} canvas`,
    (canvas, [r, g, b]) => {
      const c = canvas as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i]! - r!) < 30 && Math.abs(d[i + 1]! - g!) < 30 && Math.abs(d[i + 2]! - b!) < 30) n++;
      return n;
    },
    [r, g, b],
  );

const chartData = (page: Page, id: string) =>
  page.evaluate((id) => {
    const plot = (window as any).SeamCharts.charts[id].plot;
    return { data: plot.data as (number | null)[][], labels: plot.series.slice(1).map((s: { label: string }) => s.label) as string[] };
  }, id);

const panelsAfter = (page: Page, t: number, timeout = 20_000) =>
  page.waitForFunction((t) => Number(document.body.getAttribute('data-panels-time')) > t, t, { timeout });
const panelsTime = (page: Page) => page.evaluate(() => Number(document.body.getAttribute('data-panels-time')));

describe('the dashboard of a running pipeline, in Chromium', () => {
  let dir: string;
  let pipeline: EmbeddedPipeline;
  let browser: Browser;
  let page: Page;
  let liveSince = 0;
  const errors: string[] = [];

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seamline-dash-e2e-'));
      await history(join(dir, 'seamline.duckdb'), Date.now());
      pipeline = await startEmbeddedPipeline(
        { ...START_DEFAULTS, mqttPort: 0, httpPort: 0, dataDir: dir, cameras: 4, sites: 2, rate: 5, inference: false },
        stopStepLogger(),
      );
      liveSince = Date.now();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${pipeline.dashboard.url}/?range=1h`);
      await page.waitForSelector('body[data-panels-time]', { timeout: 30_000 });
    },
    { timeout: 120_000 },
  );

  after(
    async () => {
      await browser?.close();
      await pipeline?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );

  test('every panel renders with data', { timeout: 60_000 }, async () => {
    assert.ok((await pixels(page, 'chart-detections', [0x4f, 0xc3, 0xf7])) > 50, 'detections per camera drawn');
    assert.ok((await pixels(page, 'chart-inference', [0x4f, 0xc3, 0xf7])) > 50, 'inference p50 drawn');
    assert.ok((await pixels(page, 'chart-inference', [0xff, 0xb7, 0x4d])) > 20, 'inference p99 drawn');
    assert.ok((await pixels(page, 'chart-lag', [0x81, 0xc7, 0x84])) > 50, 'lag p50 drawn');
    assert.ok(
      (await pixels(page, 'chart-classes', [0x4f, 0xc3, 0xf7])) + (await pixels(page, 'chart-classes', [0xff, 0xb7, 0x4d])) > 200,
      'stacked classes drawn',
    );
    assert.ok((await pixels(page, 'chart-outbox', [0xff, 0xb7, 0x4d])) > 20, 'outbox depth drawn');
    assert.ok((await pixels(page, 'chart-inflight', [0x4f, 0xc3, 0xf7])) > 20, 'in flight drawn');
    // The history's classes, and once a live minute is complete (a busy machine may take that long to get
    // here) the simulated cameras' rarer ones too: each drawn once.
    const legend = (await chartData(page, 'chart-classes')).labels.map((l) => l.split(' ')[0]);
    for (const c of CLASSES) assert.ok(legend.includes(c), `${c} in the stacked classes (${legend.join(', ')})`);
    assert.equal(new Set(legend).size, legend.length, 'each class once');
    const rows = await page.$$eval('#timeline .tl-row', (r) => r.map((x) => x.getAttribute('data-key')));
    assert.deepEqual(rows, ['eu/site-1/cam-01', 'eu/site-1/cam-03', 'eu/site-1/line-9', 'eu/site-2/cam-02', 'eu/site-2/cam-04']);
    const line9 = await page.$$eval('#timeline .tl-row[data-key="eu/site-1/line-9"] .tl-seg', (s) =>
      s.map((x) => x.getAttribute('data-state')),
    );
    assert.deepEqual(line9, ['unknown', 'online', 'offline'], 'no status before the history, online, then offline eight minutes ago');
    assert.equal(await page.textContent('#timeline .tl-row[data-key="eu/site-1/line-9"] .tl-now'), 'offline');
    assert.equal(await page.$$eval('#camera-rows tr', (r) => r.length), 5);
    // The consumer repairs (its ledger is in the store): the header and every camera row carry figures, not —.
    assert.match((await page.textContent('#repairing')) ?? '', /^\d[\d,]*$/);
    assert.match((await page.textContent('#lost')) ?? '', /^\d[\d,]*$/);
    const header = await page.$$eval('table.cameras thead th', (ths) => ths.map((t) => t.textContent));
    const repairCells = await page.$$eval('#camera-rows tr', (rows, at) => rows.map((r) => at.map((i) => r.children[i]!.textContent)), [
      header.indexOf('Repairing'),
      header.indexOf('Lost'),
    ]);
    assert.equal(repairCells.length, 5);
    for (const cells of repairCells) for (const c of cells) assert.match(c ?? '', /^\d[\d,]*$/);
    assert.match(
      (await page.textContent('#repair-state')) ?? '',
      /^\d[\d,]* repairing now, \d[\d,]* repaired, \d[\d,]* lost in the window$/,
    );
    assert.match((await page.textContent('#latency-note')) ?? '', /inference p50 \d+ ms/);
    assert.equal(await page.isVisible('#alerts-off'), false, 'the alerts of this process are shown');
    assert.deepEqual(errors, []);
  });

  test('the current minute never shows as a drop: it is left off the lines and shown as text', { timeout: 180_000 }, async () => {
    // Until the cameras have run a whole minute, the last complete one holds the gap between the history and the start.
    await page.waitForFunction(
      (since) => {
        const t = Number(document.body.getAttribute('data-panels-time'));
        return t - (t % 60_000) - 60_000 >= since;
      },
      liveSince,
      { timeout: 150_000, polling: 1_000 },
    );
    const serverTime = await panelsTime(page);
    const { data, labels } = await chartData(page, 'chart-detections');
    const current = serverTime - (serverTime % MIN);
    assert.equal(data[0].at(-1)! * 1000, current - MIN, 'the last point is the last complete minute');
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 'site-1/line-9') continue;
      assert.ok((data[i + 1].at(-1) ?? 0) > 0, `${labels[i]} has detections in its last drawn minute`);
    }
    assert.match(
      (await page.textContent('#current-period')) ?? '',
      /current minute \(\d+ s in, not drawn until complete\): [\d,]+ detections so far/,
    );
  });

  test('changing the time range and the filters changes what is drawn and the URL', { timeout: 90_000 }, async () => {
    const before = await chartData(page, 'chart-detections');
    let t = await panelsTime(page);
    await page.click('#ranges button[data-range="6h"]');
    await panelsAfter(page, t);
    assert.match(page.url(), /[?&]range=6h/);
    assert.match((await page.textContent('#interval-label')) ?? '', /one point per 5 minutes/);
    const six = await chartData(page, 'chart-detections');
    assert.equal(six.data[0][1]! - six.data[0][0]!, 300, 'five-minute points');
    assert.notEqual(six.data[0].length, before.data[0].length);

    t = await panelsTime(page);
    await page.selectOption('#f-site', 'site-2');
    await panelsAfter(page, t);
    assert.match(page.url(), /[?&]site=site-2/);
    assert.deepEqual(await page.$$eval('#camera-rows tr', (r) => r.map((x) => x.getAttribute('data-key'))), [
      'eu/site-2/cam-02',
      'eu/site-2/cam-04',
    ]);
    assert.equal((await chartData(page, 'chart-detections')).labels.length, 2);

    t = await panelsTime(page);
    await page.selectOption('#f-class', 'crack');
    await panelsAfter(page, t);
    assert.match(page.url(), /[?&]class=crack/);
    assert.deepEqual(
      (await chartData(page, 'chart-classes')).labels.map((l) => l.split(' ')[0]),
      ['crack'],
    );

    // The link alone reproduces the view.
    const link = page.url();
    const other = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await other.goto(link);
    await other.waitForSelector('body[data-panels-time]', { timeout: 30_000 });
    assert.equal(await other.$eval('#f-site', (s) => (s as HTMLSelectElement).value), 'site-2');
    assert.equal(await other.$eval('#ranges button.on', (b) => b.getAttribute('data-range')), '6h');
    await other.close();
    await page.goto(`${pipeline.dashboard.url}/?range=1h`);
    await page.waitForSelector('body[data-panels-time]', { timeout: 30_000 });
  });

  test('a live update arrives without a reload, and the connection state says live', { timeout: 60_000 }, async () => {
    await page.evaluate(() => ((window as any).__sameDocument = 42));
    const events = Number(((await page.textContent('#total-events')) ?? '0').replace(/,/g, ''));
    const t = await panelsTime(page);
    await page.waitForFunction(
      ([t, events]) =>
        Number(document.body.getAttribute('data-panels-time')) > t &&
        Number(document.getElementById('total-events')!.textContent!.replace(/,/g, '')) > events,
      [t, events],
      { timeout: 30_000 },
    );
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), 42, 'same document: pushed, not reloaded');
    assert.equal(await page.getAttribute('body', 'data-connection'), 'online');
    assert.match((await page.textContent('#conn-text')) ?? '', /live/);
  });

  test('saves a screenshot of the full dashboard', { timeout: 60_000 }, async () => {
    const file = join(tmpdir(), 'seamline-dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.SEAMLINE_DOCS_SCREENSHOT) copyFileSync(file, process.env.SEAMLINE_DOCS_SCREENSHOT);
    process.stderr.write(`dashboard screenshot: ${file}\n`);
  });
});
