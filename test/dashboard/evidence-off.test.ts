/**
 * The evidence panel and viewer in Chromium where there is nothing to show: a dashboard without an evidence store
 * says evidence is off and the cameras table links no image; one with an empty store says there are no images,
 * and a camera's "latest" link says that camera has none yet.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard } from '../../src/dashboard/server.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { makeStatus } from '../helpers/events.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

describe('the evidence panel with no evidence, in Chromium', () => {
  let dir: string;
  let reader: DuckDbStore;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-off-'));
    reader = new DuckDbStore({ path: ':memory:' });
    await reader.open();
    await reader.writeStatus(makeStatus({ region: 'eu', site: 'site-1', camera: 'cam-01' }), new Date());
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without an evidence store: "evidence is off", and no camera links an image', { timeout: 60_000 }, async () => {
    const plain = await startDashboard({ reader, port: 0 });
    try {
      await page.goto(`${plain.url}/?range=15m`);
      await page.waitForSelector('#evidence-off:visible', { timeout: 20_000 });
      assert.match((await page.textContent('#evidence-off')) ?? '', /Evidence is off/);
      assert.equal(await page.getAttribute('body', 'data-evidence'), 'off');
      assert.equal(await page.$$eval('#evidence-grid .ev-item', (a) => a.length), 0);
      assert.equal(await page.$$eval('#camera-rows tr', (r) => r.length), 1);
      assert.equal(await page.isVisible('#camera-rows a.cam-evidence'), false, 'no link to an image');
      assert.equal(await page.isVisible('table.cameras th.ev-col'), false);
      await page.goto(`${plain.url}/?range=15m#evidence=latest:eu%2Fsite-1%2Fcam-01`);
      await page.waitForSelector('#ev-error:visible', { timeout: 20_000 });
      assert.match((await page.textContent('#ev-error')) ?? '', /Evidence is off/);
    } finally {
      await plain.close();
    }
    assert.deepEqual(errors, []);
  });

  test('with an empty store: "no images in this window", and the camera has no image yet', { timeout: 60_000 }, async () => {
    const evidence = new DirectoryEvidenceStore({ dir: join(dir, 'evidence') });
    await evidence.open();
    const dash = await startDashboard({ reader, port: 0, evidence });
    try {
      await page.goto(`${dash.url}/?range=15m`);
      await page.waitForSelector('#evidence-empty:visible', { timeout: 20_000 });
      assert.equal(await page.textContent('#evidence-empty'), 'No images in this window.');
      assert.equal(await page.getAttribute('body', 'data-evidence'), 'on');
      await page.click('#camera-rows tr[data-key="eu/site-1/cam-01"] a.cam-evidence');
      await page.waitForSelector('#ev-error:visible', { timeout: 20_000 });
      assert.equal(await page.textContent('#ev-error'), 'No image from eu/site-1/cam-01 yet.');
      await page.keyboard.press('Escape');
      await page.waitForSelector('#evidence-viewer:not([open])', { state: 'attached', timeout: 5_000 });
      // A bad minimum confidence in a link is named, and shown in the control as it was given.
      await page.goto(`${dash.url}/?range=15m&minConfidence=2`);
      await page.waitForSelector('#evidence-error:visible', { timeout: 20_000 });
      assert.equal(await page.textContent('#evidence-error'), 'Cannot show evidence: minConfidence must be a number from 0 to 1, got "2"');
      assert.equal(await page.$eval('#f-minconf', (s) => (s as HTMLSelectElement).value), '2');
      // A link to an image that is not there names it.
      await page.goto(`${dash.url}/?range=15m#evidence=01890000-0000-7000-8000-000000000000`);
      await page.waitForSelector('#ev-error:visible', { timeout: 20_000 });
      assert.match((await page.textContent('#ev-error')) ?? '', /no image stored for event 01890000-0000-7000-8000-000000000000/);
    } finally {
      await dash.close();
      await evidence.close();
    }
    assert.deepEqual(errors, []);
  });
});
