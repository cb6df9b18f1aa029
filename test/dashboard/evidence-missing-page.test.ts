/**
 * The evidence panel's warning line in Chromium: a dashboard on a DirectoryEvidenceStore holding numbered images
 * with holes says how many images were lost after capture and from which cameras, for the page's cameras only,
 * and says nothing when the cameras in view miss none.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { makeStatus } from '../helpers/events.ts';
import { HOLES, seedImages } from './image-gaps-seed.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

describe('the evidence panel warns of images lost after capture, in Chromium', () => {
  let dir: string;
  let reader: DuckDbStore;
  let evidence: DirectoryEvidenceStore;
  let dash: Dashboard;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-missing-page-'));
      reader = new DuckDbStore({ path: ':memory:' });
      await reader.open();
      for (const [site, camera] of [
        ['plant-1', 'cam-01'],
        ['plant-1', 'cam-02'],
        ['plant-2', 'cam-01'],
      ])
        await reader.writeStatus(makeStatus({ region: 'eu', site, camera }), new Date());
      evidence = new DirectoryEvidenceStore({ dir: join(dir, 'evidence') });
      await evidence.open();
      await seedImages(evidence, HOLES, Date.now() - 120_000);
      dash = await startDashboard({ reader, port: 0, evidence });
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
      page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      page.on('pageerror', (e) => errors.push(e.message));
    },
    { timeout: 60_000 },
  );

  after(async () => {
    await browser?.close();
    await dash?.close();
    await evidence?.close();
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const warning = async (query: string) => {
    await page.goto(`${dash.url}/?range=15m${query}`);
    await page.waitForSelector('#evidence-grid .ev-item', { timeout: 20_000 });
    await page.waitForSelector('#evidence-panel:not([data-loading])', { timeout: 20_000 });
    return page.$eval('#evidence-missing', (e) => ({
      hidden: (e as HTMLElement).hidden,
      text: e.textContent,
      title: e.getAttribute('title'),
    }));
  };

  test('every camera: the total and each camera that misses images', { timeout: 60_000 }, async () => {
    const w = await warning('');
    assert.equal(w.hidden, false);
    assert.equal(
      w.text,
      '9 images lost after capture (since each camera started numbering its images, not only in this window): eu/plant-1/cam-01 5, eu/plant-2/cam-01 4',
    );
    assert.match(w.title ?? '', /not only in this window/);
    assert.match(w.title ?? '', /evidence_dropped/);
    assert.equal(await page.isVisible('#evidence-missing'), true);
  });

  test("the page's cameras only; no line when they miss none", { timeout: 60_000 }, async () => {
    const plant2 = await warning('&site=plant-2');
    assert.equal(plant2.hidden, false);
    assert.match(plant2.text ?? '', /^4 images lost after capture .*: eu\/plant-2\/cam-01 4$/);
    const cam02 = await warning('&site=plant-1&camera=cam-02');
    assert.equal(cam02.hidden, true);
    assert.equal(await page.isVisible('#evidence-missing'), false);
    assert.deepEqual(errors, []);
  });
});
