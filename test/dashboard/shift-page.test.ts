/**
 * Shifts on the dashboard of a running pipeline, in Chromium (startEmbeddedPipeline: embedded broker, two simulated
 * cameras through the edge bridge, the consumer into DuckDB). The start config names two shifts in UTC built around
 * the minute the test starts: `early` ended a quarter of an hour ago and `late` runs now, so "last shift" is a past
 * half hour that holds only the history written through the store's write path before the pipeline starts (line-1
 * all through it; line-2 silent and offline for its last ten minutes). Picking "Last shift" must change every panel
 * and the URL; the summary table must equal `seamline report shift --last --format json`, run as a process against
 * the same DuckDB file once the pipeline has let go of it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stopStepLogger } from '../helpers/pipeline-logger.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WEEKDAYS } from '../../src/alerting/config/schema.ts';
import { START_DEFAULTS } from '../../src/cli/config/start.ts';
import { startEmbeddedPipeline, type EmbeddedPipeline } from '../../src/cli/services/embedded-pipeline.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { evidenceDirFor } from '../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { evidenceFields, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';
import { seamline } from '../helpers/seamline-cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const MIN = 60_000;
const N = Math.floor(Date.now() / MIN) * MIN;
/** The last shift: [N - 45 min, N - 15 min); this shift: [N - 15 min, N + 45 min). */
const EARLY = { startMs: N - 45 * MIN, endMs: N - 15 * MIN };
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const ALL = [...WEEKDAYS];
const SHIFTS = {
  shifts: {
    early: { timezone: 'UTC', weekdays: ALL, start: hhmm(EARLY.startMs), end: hhmm(EARLY.endMs) },
    late: { timezone: 'UTC', weekdays: ALL, start: hhmm(EARLY.endMs), end: hhmm(EARLY.endMs + 60 * MIN) },
  },
};
const EARLY_RUN = `early@${new Date(EARLY.startMs).toISOString().slice(0, 10)}`;
const CLASSES = ['scratch', 'dent', 'crack'];
/** Every chart of the page: each must be redrawn over the shift's minutes. */
const CHARTS = [
  'chart-detections',
  'chart-classes',
  'chart-inference',
  'chart-lag',
  'chart-outbox',
  'chart-dead',
  'chart-gaps',
  'chart-inflight',
];

/** History from 50 to 5 minutes ago, an event every 10 s per camera; line-2 stops (and goes offline) 25 minutes ago. */
async function history(path: string): Promise<void> {
  const store = new DuckDbStore({ path });
  await store.open();
  const from = N - 50 * MIN;
  for (const [site, camera] of [
    ['site-1', 'line-1'],
    ['site-2', 'line-2'],
  ]) {
    await store.writeStatus(makeStatus({ region: 'eu', site, camera, state: 'online', at: new Date(from).toISOString() }), new Date(from));
    const events = [];
    for (let t = from, seq = 0; t < N - 5 * MIN; t += 10_000, seq++) {
      if (camera === 'line-2' && t >= N - 25 * MIN) break;
      events.push(
        makeEvent({
          region: 'eu',
          site,
          camera,
          seq,
          captured_at: new Date(t).toISOString(),
          inferred_at: new Date(t + 25).toISOString(),
          detections: [{ class: CLASSES[seq % 3], class_id: seq % 3, confidence: 0.9, bbox: [1, 1, 5, 5] }],
        }),
      );
    }
    await store.write(events, new Date(N - 5 * MIN));
  }
  const off = N - 25 * MIN;
  await store.writeStatus(
    makeStatus({ region: 'eu', site: 'site-2', camera: 'line-2', state: 'offline', at: new Date(off).toISOString() }),
    new Date(off),
  );
  await store.close();
  // Two evidence images of line-1 in the shift, in the folder beside the DuckDB file, as the consumer keeps them.
  const images = new DirectoryEvidenceStore({ dir: evidenceDirFor(path) });
  await images.open();
  for (const [i, confidence] of [0.64, 0.93].entries()) {
    const at = N - 40 * MIN + i * 5 * MIN;
    const fields = evidenceFields({
      site: 'site-1',
      camera: 'line-1',
      seq: 1_000 + i,
      captured_at: new Date(at).toISOString(),
      detections: [{ class: 'crack', class_id: 2, confidence, bbox: [100, 100, 50, 40] }],
    });
    await images.put(verified(fields, await makeJpeg(i + 1)), new Date(at + 100));
  }
  await images.close();
}

const chartXs = (page: Page) =>
  page.evaluate(
    (ids) =>
      Object.fromEntries(
        ids.map((id) => {
          const x = (window as any).SeamCharts.charts[id].plot.data[0] as number[];
          return [id, x.length ? [x[0] * 1000, x[x.length - 1] * 1000, x.length] : []];
        }),
      ),
    CHARTS,
  );

/** What the page shows of the view: one figure per panel that depends on the window. */
const view = async (page: Page) => ({
  charts: await chartXs(page),
  cameras: await page.$$eval('#camera-rows tr', (rows) => rows.map((r) => [r.getAttribute('data-key'), r.children[5]!.textContent])),
  timeline: await page.$$eval('#timeline .tl-row', (rows) =>
    rows.map((r) => [r.getAttribute('data-key'), [...r.querySelectorAll('.tl-seg')].map((s) => s.getAttribute('data-state')).join(',')]),
  ),
  interval: await page.textContent('#interval-label'),
  window: await page.textContent('#window-label'),
  evidence: await page.getAttribute('#evidence-panel', 'data-query'),
});

/** The summary table: per row key, per figure, [value, previous, weekAgo] as the cells carry them. */
const tableFigures = (page: Page) =>
  page.$$eval('#shift-tables tbody tr', (rows) =>
    Object.fromEntries(
      rows.map((r) => [
        r.getAttribute('data-key'),
        Object.fromEntries(
          [...r.querySelectorAll('td[data-figure]')].map((td) => [
            td.getAttribute('data-figure'),
            [td.getAttribute('data-value'), td.getAttribute('data-previous'), td.getAttribute('data-week-ago')],
          ]),
        ),
      ]),
    ),
  );

type Fig = { value: number | null; previous: number | null; weekAgo: number | null };
type Row = { scope: string; region: string; site: string; camera: string; classes: Record<string, { detections: Fig }> } & Record<
  string,
  unknown
>;
const FIGURES = [
  'events',
  'detections',
  'minutesSilent',
  'minutesOffline',
  'eventsLost',
  'eventsRepaired',
  'deadLetters',
  'alertsFired',
  'alertMinutes',
];

/** The same, from the summary object `report shift --format json` prints. */
function expectedFigures(s: { plant: Row; sites: Row[]; cameras: Row[] }) {
  const classes = Object.keys(s.plant.classes).sort();
  const cell = (f: Fig) => [String(f.value), String(f.previous), String(f.weekAgo)];
  const key = (r: Row) =>
    r.scope === 'plant' ? 'plant' : r.scope === 'site' ? `${r.region}/${r.site}` : `${r.region}/${r.site}/${r.camera}`;
  return Object.fromEntries(
    [s.plant, ...s.sites, ...s.cameras].map((r) => [
      key(r),
      Object.fromEntries([
        ...FIGURES.map((f) => [f, cell(r[f] as Fig)]),
        ...classes.map((c) => [`class:${c}`, cell(r.classes[c]?.detections ?? { value: 0, previous: null, weekAgo: null })]),
      ]),
    ]),
  );
}

describe('shifts on the dashboard of a running pipeline, in Chromium', () => {
  let dir: string;
  let db: string;
  let configFile: string;
  let pipeline: EmbeddedPipeline | undefined;
  let browser: Browser;
  let page: Page;
  let shown: Record<string, Record<string, string[]>> = {};
  let served: unknown;
  const errors: string[] = [];

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seamline-shift-page-'));
      db = join(dir, 'seamline.duckdb');
      await history(db);
      configFile = join(dir, 'start.json');
      writeFileSync(configFile, JSON.stringify({ ...SHIFTS, alerts: 'off' }));
      const config = {
        ...START_DEFAULTS,
        mqttPort: 0,
        httpPort: 0,
        dataDir: dir,
        cameras: 2,
        sites: 2,
        rate: 2,
        alerts: 'off',
        inference: false,
        ...SHIFTS,
      };
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

  test('picking "Last shift" changes every panel and the URL', { timeout: 90_000 }, async () => {
    await page.goto(`${pipeline!.dashboard.url}/?range=15m`);
    await page.waitForSelector('body[data-panels-time][data-shifts="on"]', { timeout: 30_000 });
    await page.waitForSelector('#evidence-panel[data-query]', { timeout: 20_000 });
    const before = await view(page);
    assert.equal(await page.isVisible('#shift-panel'), false, 'no summary without a shift');

    await page.click('#shifts button[data-shift="last"]');
    await page.waitForFunction(() => /^shift early of /.test(document.getElementById('window-label')!.textContent ?? ''), null, {
      timeout: 20_000,
    });
    await page.waitForFunction(
      (from) => (document.getElementById('evidence-panel')!.getAttribute('data-query') ?? '').includes(`from=${from}`),
      EARLY.startMs,
      {
        timeout: 20_000,
      },
    );
    const after = await view(page);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('shift'), 'last');
    assert.equal(url.searchParams.get('range'), null);
    assert.equal(await page.getAttribute('#shifts button[data-shift="last"]', 'aria-pressed'), 'true');
    assert.equal(await page.$$eval('#ranges button.on', (b) => b.length), 0);

    // Every chart: the shift's thirty whole minutes, its first minute to its last.
    for (const id of CHARTS) {
      assert.deepEqual(after.charts[id], [EARLY.startMs, EARLY.endMs - MIN, 30], id);
      assert.notDeepEqual(after.charts[id], before.charts[id], `${id} changed`);
    }
    // The cameras' detections in the window: the history's, per camera (line-2 stopped ten minutes before the end); none of the live ones.
    assert.deepEqual(after.cameras, [
      ['eu/site-1/cam-01', '0'],
      ['eu/site-1/line-1', '180'],
      ['eu/site-2/cam-02', '0'],
      ['eu/site-2/line-2', '120'],
    ]);
    assert.notDeepEqual(after.cameras, before.cameras);
    // The timeline: line-2 online, then offline for the shift's last ten minutes; the live cameras had sent no status yet (no track).
    assert.deepEqual(after.timeline, [
      ['eu/site-1/line-1', 'online'],
      ['eu/site-2/line-2', 'online,offline'],
    ]);
    assert.notDeepEqual(after.timeline, before.timeline);
    assert.match(after.interval ?? '', /^one point per minute · /);
    assert.notEqual(after.interval, before.interval);
    assert.match(after.evidence ?? '', new RegExp(`from=${EARLY.startMs}&to=${EARLY.endMs}`));
    assert.notEqual(after.evidence, before.evidence);

    // The summary panel, for that run.
    await page.waitForSelector(`#shift-panel[data-run="${EARLY_RUN}"]:not([data-loading])`, { timeout: 20_000 });
    shown = (await tableFigures(page)) as Record<string, Record<string, string[]>>;
    // The shift's defect images, most confident first, each a thumbnail that opens the viewer.
    const thumbs = await page.$$eval('#shift-tables .shift-image', (a) =>
      a.map((x) => [x.getAttribute('href'), x.querySelector('.shift-image-label')!.textContent]),
    );
    assert.deepEqual(
      thumbs.map((t) => t[1]),
      ['crack 0.93', 'crack 0.64'],
    );
    await page.waitForFunction(
      () => [...document.querySelectorAll<HTMLImageElement>('.shift-image img')].every((i) => i.naturalWidth > 0),
      null,
      {
        timeout: 10_000,
      },
    );
    served = await (await fetch(`${pipeline!.dashboard.url}/api/shift-summary?shift=${EARLY_RUN}`)).json();

    // A run picked from the list: its own name in the URL, the same run.
    await page.selectOption('#f-shift', EARLY_RUN);
    await page.waitForFunction((run) => new URL(location.href).searchParams.get('shift') === run, EARLY_RUN, { timeout: 10_000 });
    await page.waitForSelector(`#shift-panel[data-run="${EARLY_RUN}"]:not([data-loading])`, { timeout: 20_000 });
    assert.deepEqual(await tableFigures(page), shown);
    assert.deepEqual(errors, []);
  });

  test('saves a screenshot of a shift (docs/shift.png)', { timeout: 60_000 }, async () => {
    const t = Number(await page.getAttribute('body', 'data-panels-time'));
    await page.click('#shifts button[data-shift="last"]');
    await page.waitForSelector('#shifts button[data-shift="last"].on', { timeout: 10_000 });
    await page.waitForFunction((t) => Number(document.body.getAttribute('data-panels-time')) > t, t, { timeout: 20_000 });
    await page.waitForSelector(`#shift-panel[data-run="${EARLY_RUN}"]:not([data-loading])`, { timeout: 20_000 });
    const file = join(tmpdir(), 'seamline-shift.png');
    await page.screenshot({ path: file, fullPage: false });
    if (process.env.SEAMLINE_DOCS_SHIFT_SCREENSHOT) copyFileSync(file, process.env.SEAMLINE_DOCS_SHIFT_SCREENSHOT);
    process.stderr.write(`shift screenshot: ${file}\n`);
  });

  test('the summary table is what `seamline report shift --last --format json` prints for the same store', {
    timeout: 180_000,
  }, async () => {
    assert.ok(Object.keys(shown).length > 0, 'the first test read the table');
    // DuckDB lets one process open the file: the report reads it once the pipeline has closed it.
    await browser.close();
    await pipeline!.stop();
    pipeline = undefined;
    const r = await seamline('report', 'shift', '--last', '--format', 'json', '--store', db, '--config', configFile);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(`${report.run.shift}@${report.run.date}`, EARLY_RUN);
    assert.deepEqual(shown, expectedFigures(report));
    assert.deepEqual(served, report, 'the page API serves the very object the report prints');
    assert.equal(report.images.length, 2);
    // The figures the history makes: line-1 all through, line-2 silent for the last ten minutes.
    assert.deepEqual(shown['eu/site-2/line-2']!.events, ['120', '0', '0']);
    assert.deepEqual(shown['eu/site-2/line-2']!.minutesSilent, ['10', '60', '30']);
    assert.deepEqual(shown.plant!.events, ['300', '0', '0']);
  });
});
