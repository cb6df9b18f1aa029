/**
 * The evidence panel, the viewer and the cameras table's link, in Chromium on a running pipeline
 * (startEmbeddedPipeline: embedded broker, two simulated cameras and the conveyor camera through the real model,
 * whose images the consumer stores beside the DuckDB file). Before it starts, half an hour of history is written:
 * detection events of cam-01 and cam-02 and, for each, its image in the same evidence folder, so a past window holds
 * an exactly known set of images; the conveyor's own images show the boxes the model drew.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stopStepLogger } from '../helpers/pipeline-logger.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { START_DEFAULTS } from '../../src/cli/config/start.ts';
import { startEmbeddedPipeline, type EmbeddedPipeline } from '../../src/cli/services/embedded-pipeline.ts';
import type { Evidence, EvidenceV1 } from '../../src/contract/index.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { evidenceDirFor } from '../../src/store/evidence/directory-layout.ts';
import { evidenceUrl } from '../../src/alerting/lifecycle/evidence-link.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { evidenceFields, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const MIN = 60_000;
const NOW = Date.now();
/** The past window the exact counts are made in: 30 whole minutes, ending a quarter of an hour ago. */
const W0 = Math.floor((NOW - 45 * MIN) / MIN) * MIN;
const W1 = W0 + 30 * MIN;
type Box = EvidenceV1['detections'][number];
const box = (cls: string, class_id: number, confidence: number, bbox: number[]): Box => ({ class: cls, class_id, confidence, bbox });
/** Each camera's detections, image by image (a frame of 1280x720, its image scaled to 640x360). */
const scratchDent = [box('scratch', 1, 0.91, [100, 120, 240, 90]), box('dent', 2, 0.62, [640, 400, 160, 200])];
const cam01 = [0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? [box('crack', 3, 0.55, [900, 40, 200, 120])] : scratchDent));
const cam02 = [0, 1, 2, 3].map((i) => [
  box('dent', 2, i % 2 ? 0.85 : 0.45, [10 + 100 * i, 300, 300, 260]),
  box('scratch', 1, 0.3, [1000, 600, 200, 100]),
]);
const PLAN: [string, string, Box[][]][] = [
  ['site-1', 'cam-01', cam01],
  ['site-2', 'cam-02', cam02],
];

async function history(dbPath: string): Promise<Evidence[]> {
  const store = new DuckDbStore({ path: dbPath });
  await store.open();
  const images = new DirectoryEvidenceStore({ dir: evidenceDirFor(dbPath) });
  await images.open();
  const stored: Evidence[] = [];
  for (const [c, [site, camera, plan]] of PLAN.entries()) {
    await store.writeStatus(makeStatus({ region: 'eu', site, camera, at: new Date(W0).toISOString() }), new Date(W0));
    // One image before the window (it must not show there), then one every three minutes inside it.
    for (const [i, detections] of [[box('dent', 2, 0.99, [0, 0, 10, 10])], ...plan].entries()) {
      const at = i === 0 ? W0 - 10 * MIN : W0 + 5 * MIN + i * 3 * MIN + c * 20_000;
      const fields = evidenceFields({
        region: 'eu',
        site,
        camera,
        seq: i + 1,
        captured_at: new Date(at).toISOString(),
        detections,
        image: { width: 640, height: 360 },
      });
      const { event_id, frame } = fields;
      const event = makeEvent({ event_id, region: 'eu', site, camera, seq: i + 1, captured_at: fields.captured_at, frame, detections });
      await store.write([{ ...event, inferred_at: new Date(at + 30).toISOString() }], new Date(at + 50));
      const evidence = verified(fields, await makeJpeg(c * 10 + i + 1, 640, 360));
      assert.equal(await images.put(evidence, new Date(at + 60)), 'stored');
      if (i > 0) stored.push(evidence);
    }
  }
  await images.close();
  await store.close();
  return stored.sort((a, b) => Date.parse(b.header.captured_at) - Date.parse(a.header.captured_at));
}

/** What the panel must show: the images with a detection of `cls` (any) at `min` or more, newest first. */
const expected = (all: Evidence[], f: { site?: string; cls?: string; min?: number }) =>
  all
    .filter((e) => !f.site || e.header.site === f.site)
    .filter((e) => e.header.detections.some((d) => (!f.cls || d.class === f.cls) && d.confidence >= (f.min ?? 0)))
    .map((e) => e.header.event_id);

const shownIds = (page: Page) => page.$$eval('#evidence-grid .ev-item', (a) => a.map((x) => x.getAttribute('data-event-id')));
/** Waits for the panel's answer to a query that holds every one of `parts` and none of `absent`. */
const answered = (page: Page, parts: string[], absent: string[] = []) =>
  page.waitForFunction(
    ([parts, absent]) => {
      const p = document.getElementById('evidence-panel')!;
      const q = p.getAttribute('data-query') ?? '';
      return !p.hasAttribute('data-loading') && parts.every((s) => q.includes(s)) && !absent.some((s) => q.includes(s));
    },
    [parts, absent],
    { timeout: 20_000 },
  );

/** The viewer's boxes: label, and the box relative to the displayed image, in CSS pixels; and the image's size. */
const drawn = (page: Page) =>
  page.evaluate(() => {
    const img = document.getElementById('ev-image')!.getBoundingClientRect();
    const boxes = [...document.querySelectorAll('#ev-boxes g.ev-box')].map((g) => {
      const r = g.querySelector('rect')!.getBoundingClientRect();
      return { label: g.querySelector('text')!.textContent, x: r.x - img.x, y: r.y - img.y, w: r.width, h: r.height };
    });
    return { width: img.width, height: img.height, boxes };
  });

async function assertBoxes(page: Page, header: EvidenceV1): Promise<void> {
  await page.waitForSelector(`#evidence-viewer[open][data-drawn="${header.event_id}"]`, { timeout: 20_000 });
  const { width, height, boxes } = await drawn(page);
  assert.ok(width > 100 && height > 50, `the image is displayed (${width}x${height})`);
  assert.equal(boxes.length, header.detections.length, 'one drawn box per detection of the event');
  const sx = width / header.frame.width;
  const sy = height / header.frame.height;
  header.detections.forEach((d, i) => {
    assert.equal(boxes[i].label, `${d.class} ${d.confidence.toFixed(2)}`);
    // The stroke (2 px) widens the box by up to 1 px on each side.
    for (const [got, want] of [
      [boxes[i].x, d.bbox[0] * sx],
      [boxes[i].y, d.bbox[1] * sy],
      [boxes[i].w, d.bbox[2] * sx],
      [boxes[i].h, d.bbox[3] * sy],
    ]) {
      assert.ok(Math.abs(got - want) <= 1.5, `box ${i} ${JSON.stringify(boxes[i])} at frame ${d.bbox} scaled by ${sx.toFixed(3)}`);
    }
  });
}

describe('evidence on the dashboard of a running pipeline, in Chromium', () => {
  let dir: string;
  let pipeline: EmbeddedPipeline;
  let browser: Browser;
  let page: Page;
  let images: Evidence[];
  const errors: string[] = [];
  const windowUrl = () => `${pipeline.dashboard.url}/?from=${W0}&to=${W1}`;

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-page-'));
      images = await history(join(dir, 'seamline.duckdb'));
      const config = { ...START_DEFAULTS, mqttPort: 0, httpPort: 0, dataDir: dir, cameras: 2, sites: 2, rate: 2, alerts: 'off' };
      pipeline = await startEmbeddedPipeline(config, stopStepLogger());
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      page.on('pageerror', (e) => errors.push(e.message));
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

  test('the panel shows the images of the window, labelled and lazy, and follows the filters', { timeout: 90_000 }, async () => {
    await page.goto(windowUrl());
    await answered(page, [`from=${W0}`, `to=${W1}`], ['class=', 'camera=', 'minConfidence=']);
    assert.deepEqual(await shownIds(page), expected(images, {}), 'the ten images of the window, newest first; not the two before it');
    assert.equal(images.length, 10);
    const first = await page.$eval('#evidence-grid .ev-item', (a) => ({
      cam: a.querySelector('.ev-cam')!.textContent,
      classes: a.querySelector('.ev-classes')!.textContent,
      time: a.querySelector('.ev-time')!.textContent,
      loading: a.querySelector('img')!.getAttribute('loading'),
      src: a.querySelector('img')!.getAttribute('src'),
    }));
    const newest = images[0].header;
    assert.equal(first.cam, 'eu/site-1/cam-01');
    assert.equal(first.classes, 'crack');
    assert.match(first.time ?? '', /^\d+\/\d+ \d\d:\d\d:\d\d$/);
    assert.equal(first.loading, 'lazy');
    assert.equal(first.src, `/api/evidence/${newest.event_id}/thumb.jpg`);
    await page.waitForFunction(() => (document.querySelector('#evidence-grid img') as HTMLImageElement).naturalWidth === 320, null, {
      timeout: 20_000,
    });

    await page.selectOption('#f-class', 'crack');
    await answered(page, ['class=crack']);
    assert.deepEqual(await shownIds(page), expected(images, { cls: 'crack' }));
    assert.equal((await shownIds(page)).length, 3);
    await page.selectOption('#f-site', 'site-2');
    await answered(page, ['class=crack', 'camera=eu%2Fsite-2%2Fcam-02']);
    assert.deepEqual(await shownIds(page), []);
    assert.equal(await page.textContent('#evidence-empty:visible'), 'No images in this window for these filters.');
    await page.selectOption('#f-class', '');
    await answered(page, ['camera=eu%2Fsite-2%2Fcam-02'], ['class=']);
    assert.deepEqual(await shownIds(page), expected(images, { site: 'site-2' }));
    await page.selectOption('#f-minconf', '0.75');
    await answered(page, ['camera=eu%2Fsite-2%2Fcam-02', 'minConfidence=0.75']);
    assert.deepEqual(await shownIds(page), expected(images, { site: 'site-2', min: 0.75 }));
    assert.equal((await shownIds(page)).length, 2);
    assert.match(page.url(), /minConfidence=0\.75/);
    // The panels' live stream does not take the evidence filter: the page stays live with it in the URL.
    await page.reload();
    await answered(page, ['minConfidence=0.75']);
    assert.equal(await page.$eval('#f-minconf', (s) => (s as HTMLSelectElement).value), '0.75');
    await page.waitForSelector('body[data-connection="online"]', { timeout: 20_000 });

    await page.goto(`${pipeline.dashboard.url}/?from=${W0 - 3 * 60 * MIN}&to=${W0 - 2 * 60 * MIN}`);
    await answered(page, [`from=${W0 - 3 * 60 * MIN}`]);
    assert.equal(await page.textContent('#evidence-empty:visible'), 'No images in this window.');
    assert.deepEqual(errors, []);
  });

  test('the viewer draws every box of the event, scaled to the displayed image; a link; Escape closes it', {
    timeout: 60_000,
  }, async () => {
    await page.goto(windowUrl());
    await answered(page, [`from=${W0}`]);
    const two = images.find((e) => e.header.camera === 'cam-01' && e.header.detections.length === 2)!.header;
    await page.click(`#evidence-grid .ev-item[data-event-id="${two.event_id}"]`);
    await assertBoxes(page, two);
    assert.ok(page.url().endsWith(`#evidence=${two.event_id}`));
    assert.match((await page.textContent('#ev-meta')) ?? '', /image 640×360 of a 1280×720 frame/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#evidence-viewer:not([open])', { state: 'attached', timeout: 5_000 });
    // The fragment goes in the dialog's close handler, which can run just after the dialog is shut.
    await page.waitForFunction(() => !location.hash.includes('evidence='), undefined, { timeout: 5_000 }).catch(() => undefined);
    assert.ok(!page.url().includes('#evidence='), `closing leaves the fragment: ${page.url()}`);
    // The link alone opens the same image, and a narrower window draws the same boxes at the smaller scale.
    const other = await browser.newPage({ viewport: { width: 900, height: 700 } });
    await other.goto(`${windowUrl()}#evidence=${two.event_id}`);
    await assertBoxes(other, two);
    await other.close();
    assert.deepEqual(errors, []);
  });

  test("an alert's evidence link opens the page on that camera's images of the rule's class, at the panel", {
    timeout: 60_000,
  }, async () => {
    const camera = { region: 'eu', site: 'site-1', camera: 'cam-01' };
    await page.goto(evidenceUrl(pipeline.dashboard.url, camera, { class: 'crack', fromMs: W0, toMs: W1 }));
    await answered(page, ['class=crack', 'camera=eu%2Fsite-1%2Fcam-01', `from=${W0}`]);
    assert.deepEqual(await shownIds(page), expected(images, { site: 'site-1', cls: 'crack' }));
    assert.equal((await shownIds(page)).length, 3);
    const top = await page.$eval('#evidence-panel', (p) => p.getBoundingClientRect().top);
    assert.ok(top >= 0 && top < 1080, `the panel is in view (top ${top})`);
  });

  test("a camera row links to that camera's newest image", { timeout: 60_000 }, async () => {
    await page.goto(windowUrl());
    await answered(page, [`from=${W0}`]);
    const newest = images.find((e) => e.header.camera === 'cam-02')!.header;
    await page.click('#camera-rows tr[data-key="eu/site-2/cam-02"] a.cam-evidence');
    await assertBoxes(page, newest);
    assert.equal(await page.getAttribute('#evidence-viewer', 'data-event-id'), newest.event_id);
    assert.ok(page.url().endsWith(`#evidence=${newest.event_id}`), 'latest:<camera> became the image id');
    await page.click('#ev-close');
    await page.waitForSelector('#evidence-viewer:not([open])', { state: 'attached', timeout: 5_000 });
    assert.deepEqual(errors, []);
  });

  test("the conveyor camera's own images: the model's boxes drawn and labelled (docs/evidence.png)", { timeout: 150_000 }, async () => {
    const api = (q: string): Promise<{ items: EvidenceV1[] }> =>
      fetch(`${pipeline.dashboard.url}/api/evidence?camera=eu/site-1/conveyor-1&from=0&${q}`).then((r) => r.json());
    let items: EvidenceV1[] = [];
    await waitFor(
      async () => (items = (await api('limit=50')).items).some((i) => i.detections.length >= 2),
      120_000,
      'a conveyor image with two boxes',
    );
    const shown = items.filter((i) => i.detections.length >= 2).sort((a, b) => b.detections.length - a.detections.length)[0];
    await page.goto(`${pipeline.dashboard.url}/?range=15m#evidence=${shown.event_id}`);
    await assertBoxes(page, shown);
    const file = join(tmpdir(), 'seamline-evidence.png');
    await page.screenshot({ path: file });
    if (process.env.SEAMLINE_DOCS_EVIDENCE_SCREENSHOT) copyFileSync(file, process.env.SEAMLINE_DOCS_EVIDENCE_SCREENSHOT);
    process.stderr.write(`evidence viewer screenshot: ${file}\n`);
    // The conveyor row's link opens its newest image (the camera keeps storing: that one or a newer one).
    await page.keyboard.press('Escape');
    await page.waitForSelector('#evidence-panel[data-query]', { timeout: 20_000 });
    const before = (await api('limit=1')).items[0].event_id;
    await page.click('#camera-rows tr[data-key="eu/site-1/conveyor-1"] a.cam-evidence');
    await page.waitForSelector('#evidence-viewer[open][data-drawn]', { timeout: 20_000 });
    const opened = (await page.getAttribute('#evidence-viewer', 'data-event-id')) ?? '';
    const newer = (await api('limit=50')).items.map((i) => i.event_id);
    assert.ok(newer.indexOf(opened) <= newer.indexOf(before) && newer.indexOf(opened) >= 0, `${opened}: the newest conveyor image`);
    assert.deepEqual(errors, []);
  });
});
