/**
 * `seamline bench all --quick --json --report FILE` as a process: every bench appears with its numbers, the report
 * exists and references chart images that exist and are SVG an XML parser takes, and Chromium shows the report with
 * every image loaded. The markdown form of the same result references the same charts; a report of another format is
 * refused before any bench runs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { ALL_BENCHES } from '../../src/proof/bench/all/headlines.ts';
import { writeReport } from '../../src/proof/bench/all/report.ts';
import type { AllResult } from '../../src/proof/bench/all/run-all.ts';

const BIN = join(import.meta.dirname, '../../bin/seamline.js');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
let dir: string;
let browser: Browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-bench-all-'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let [out, err] = ['', ''];
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** The images a report references, by the syntax of its format. */
const imagesOf = (text: string, html: boolean) =>
  [...text.matchAll(html ? /<img src="([^"]+)"/g : /!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);

/** Parses each SVG with the browser's XML parser: the root is <svg> and there is no parser error. */
async function assertSvg(files: string[]): Promise<void> {
  const page = await browser.newPage();
  for (const file of files) {
    const verdict = await page.evaluate(
      (text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        return { root: doc.documentElement.nodeName, error: doc.getElementsByTagName('parsererror').length };
      },
      readFileSync(file, 'utf8'),
    );
    assert.deepEqual(verdict, { root: 'svg', error: 0 }, `${file} is SVG`);
  }
  await page.close();
}

let result: AllResult;

test('bench all --quick runs every bench, prints the table and one JSON line, and writes an HTML report whose charts Chromium shows', {
  timeout: 300_000,
}, async () => {
  const file = join(dir, 'report.html');
  const r = await run(['bench', 'all', '--quick', '--json', '--report', file], 280_000);
  assert.equal(r.code, 0, r.err.slice(-3000));
  result = JSON.parse(r.out.trim().split('\n').pop()!) as AllResult;
  assert.deepEqual(
    result.benches.map((b) => [b.bench, b.ok]),
    ALL_BENCHES.map((b) => [b, true]),
  );
  for (const b of result.benches) {
    assert.ok(b.headlines.length >= 3, `${b.bench} has its headline figures`);
    for (const h of b.headlines) assert.equal(typeof h.value, 'number', `${b.bench}: ${h.figure} is a number`);
    assert.match(r.out, new RegExp(`^  ${b.bench} `, 'm'), `${b.bench} has rows in the table`);
  }
  assert.ok(result.benches.find((b) => b.bench === 'consumer')!.result!.lag_series, 'the consumer bench has its time series');
  assert.ok(result.rss_series.length >= 10, 'memory sampled each second');
  assert.equal(typeof result.machine.cores, 'number');
  assert.match(result.machine.mosquitto ?? '', /mosquitto version \d/);
  assert.match(result.machine.postgres ?? '', /PostgreSQL\) \d+/);
  assert.match(r.err, /\[6\/6\] start: done in/, 'the progress display names each bench');

  const html = readFileSync(file, 'utf8');
  const images = imagesOf(html, true);
  assert.deepEqual(images, ['report-throughput.svg', 'report-lag.svg', 'report-memory.svg']);
  for (const i of images) assert.ok(existsSync(join(dir, i)), `${i} is beside the report`);
  await assertSvg(images.map((i) => join(dir, i)));
  const page = await browser.newPage();
  await page.goto(pathToFileURL(file).href);
  const widths = await page.$$eval('img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  assert.equal(widths.length, 3);
  for (const w of widths) assert.ok(w > 0, 'every chart loaded as an image');
  assert.equal(await page.locator('table').nth(1).locator('tr').count(), 1 + result.benches.flatMap((b) => b.headlines).length);
  await page.close();
});

test('the markdown report of the same run references the same charts, which exist beside it', { timeout: 60_000 }, async () => {
  assert.ok(result, 'the run of the first test');
  const file = join(dir, 'again.md');
  const written = writeReport(file, result);
  const images = imagesOf(readFileSync(file, 'utf8'), false);
  assert.deepEqual(images, ['again-throughput.svg', 'again-lag.svg', 'again-memory.svg']);
  assert.deepEqual(
    written.charts,
    images.map((i) => join(dir, i)),
  );
  await assertSvg(written.charts);
});

test('a report that is neither .html nor .md is refused, naming --report, before any bench runs', { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, [BIN, 'bench', 'all', '--quick', '--report', join(dir, 'report.pdf')], {
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /SEAM_ERR_CONFIG: --report \S+report\.pdf must end in \.html or \.md/);
  assert.doesNotMatch(r.stderr, /\[1\/6\]/, 'no bench ran');
});
