import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import { stopStepLogger } from '../helpers/pipeline-logger.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmbeddedPipeline, type EmbeddedPipeline } from '../../src/cli/services/embedded-pipeline.ts';
import { START_DEFAULTS } from '../../src/cli/config/start.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

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
const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const H = 3_600_000;

/**
 * Two shifts in UTC: `now` covers the present (started an hour ago, ends in two), `later` starts in three
 * hours. The same silent-camera rule is given once per shift: only the first may fire.
 */
function alertsFile(dir: string, url: string): string {
  const t = Date.now();
  const every = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const silent = {
    kind: 'silent_camera',
    severity: 'critical',
    for: '1s',
    select: { camera: 'cam-0*' },
    params: { window: '3s', signal: 'events' },
  };
  const file = join(dir, 'alerts.json');
  writeFileSync(
    file,
    JSON.stringify({
      evaluateEvery: '500ms',
      shifts: {
        now: { timezone: 'UTC', weekdays: every, start: hhmm(t - H), end: hhmm(t + 2 * H) },
        later: { timezone: 'UTC', weekdays: every, start: hhmm(t + 3 * H), end: hhmm(t + 4 * H) },
      },
      receivers: [{ name: 'hook', type: 'webhook', url }],
      route: { receivers: ['hook'], groupBy: ['alertname'] },
      rules: [
        { name: 'silent-in-shift', shifts: ['now'], ...silent },
        { name: 'silent-off-shift', shifts: ['later'], ...silent },
        { name: 'bridge-offline', kind: 'camera_offline', severity: 'critical', select: { camera: 'line-9' }, params: { after: '1s' } },
      ],
    }),
  );
  return file;
}

const alertRow = (page: Page, key: string, state: string, timeout = 20_000) =>
  page.waitForSelector(`#alert-rows tr[data-key="${key}"].alert-${state}`, { timeout });

describe('alerting in a running pipeline, seen in Chromium', () => {
  let dir: string;
  let hook: WebhookReceiver;
  let pipeline: EmbeddedPipeline;
  let bridge: ChildProcess | undefined;
  let browser: Browser;
  let page: Page;
  let watcher: mqtt.MqttClient;
  const wills: number[] = [];

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seamline-alert-e2e-'));
      hook = await startWebhookReceiver();
      pipeline = await startEmbeddedPipeline(
        { ...START_DEFAULTS, mqttPort: 0, httpPort: 0, dataDir: dir, cameras: 2, sites: 1, rate: 10, alerts: alertsFile(dir, hook.url) },
        stopStepLogger(),
      );
      // The last will, as the broker publishes it: the moment the 2 s budget starts.
      watcher = await mqtt.connectAsync(pipeline.broker.url, { protocolVersion: 4, clientId: 'will-watcher' });
      watcher.on('message', (_topic, payload) => {
        if (JSON.parse(payload.toString()).state === 'offline') wills.push(Date.now());
      });
      await watcher.subscribeAsync('vision/eu/site-1/line-9/status', { qos: 1 });
      bridge = spawn(
        process.execPath,
        [
          BIN,
          'edge',
          '--url',
          pipeline.broker.url,
          '--protocol',
          '4',
          '--client-id',
          'edge-line-9',
          '--region',
          'eu',
          '--site',
          'site-1',
          '--camera',
          'line-9',
          '--data-dir',
          join(dir, 'line-9'),
          '--simulate',
          '10',
          '--http-port',
          '-1',
          '--heartbeat',
          '1',
          '--log-level',
          'error',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(pipeline.dashboard.url);
      await page.waitForSelector('#camera-rows tr[data-key="eu/site-1/line-9"]', { timeout: 30_000 });
    },
    { timeout: 120_000 },
  );

  after(
    async () => {
      bridge?.kill('SIGKILL');
      await watcher?.endAsync();
      await browser?.close();
      await pipeline?.stop();
      await hook?.close();
      rmSync(dir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );

  test('a camera whose simulator stops raises the silent-camera alert in its shift, not outside it', { timeout: 60_000 }, async () => {
    // The alerts panel answers on its own poll: the camera rows can be there before it has said anything.
    await page.waitForFunction(() => Boolean(document.querySelector('#alerts-summary')?.textContent), undefined, { timeout: 20_000 });
    const status = await page.textContent('#alerts-summary');
    assert.equal(status, '0 firing, 0 pending', 'all cameras report: nothing pending');
    await pipeline.cameras[0].camera.stop();
    await alertRow(page, 'silent-in-shift|eu/site-1/cam-01', 'firing');
    await waitFor(() => hook.bodies.length >= 1, 10_000, 'the page reached the webhook');
    const [b] = hook.bodies;
    assert.equal(b.status, 'firing');
    assert.deepEqual(
      b.alerts.map((a) => [a.rule, a.labels.camera, a.transition_id]),
      [['silent-in-shift', 'cam-01', 'silent-in-shift|eu/site-1/cam-01#1']],
    );
    assert.equal(hook.keys[0], b.id);
    // The same condition under the shift that has not begun: never evaluated, never shown, never sent.
    const keys = await page.$$eval('#alert-rows tr', (rows) => rows.map((r) => r.getAttribute('data-key')));
    assert.deepEqual(keys, ['silent-in-shift|eu/site-1/cam-01']);
    assert.ok(!pipeline.alerting!.engine.instances().some((a) => a.rule === 'silent-off-shift'));
  });

  test('a SIGKILLed bridge shows offline within 2 s of its last will, and its offline alert fires', { timeout: 60_000 }, async () => {
    await page.waitForFunction(
      () => document.querySelector('#camera-rows tr[data-key="eu/site-1/line-9"] td:nth-child(4)')?.textContent === 'online',
      undefined,
      { timeout: 10_000 },
    );
    bridge!.kill('SIGKILL');
    await page.waitForFunction(
      () => document.querySelector('#camera-rows tr[data-key="eu/site-1/line-9"] td:nth-child(4)')?.textContent === 'offline',
      undefined,
      { timeout: 10_000, polling: 25 },
    );
    const shown = Date.now();
    assert.equal(wills.length, 1, 'the broker published the last will once');
    const delay = shown - wills[0];
    assert.ok(delay <= 2_000, `shown offline ${delay} ms after the last will`);
    process.stderr.write(`offline shown ${delay} ms after the last will\n`);
    await alertRow(page, 'bridge-offline|eu/site-1/line-9', 'firing');
    await waitFor(() => hook.bodies.length >= 2, 10_000, 'the offline page');
    const metrics = await (await fetch(`${pipeline.dashboard.url}/metrics`)).text();
    assert.match(
      metrics,
      /seamline_alert_state\{alertname="bridge-offline",severity="critical",state="firing",region="eu",site="site-1",camera="line-9"\} 1/,
    );
  });

  test('the webhook received exactly the expected bodies, each once', { timeout: 30_000 }, async () => {
    // A control: the receiver is live and more time has passed; nothing else arrives.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(
      hook.bodies.map(
        (b) =>
          `${b.status} ${b.receiver} ${b.group_labels.alertname} ${b.alerts.map((a) => `${a.labels.site}/${a.labels.camera}`).join(',')} repeat=${b.alerts[0].repeat}`,
      ),
      ['firing hook silent-in-shift site-1/cam-01 repeat=false', 'firing hook bridge-offline site-1/line-9 repeat=false'],
    );
    assert.equal(new Set(hook.keys).size, 2);
    const api = (await (await fetch(`${pipeline.dashboard.url}/api/alerts?state=firing`)).json()) as { alerts: { rule: string }[] };
    assert.deepEqual(api.alerts.map((a) => a.rule).sort(), ['bridge-offline', 'silent-in-shift']);
  });
});
