import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../alerting/webhook-receiver.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'seamline-alerts-cli-'));

function alertsFile(url: string): string {
  const file = join(dir, `alerts-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      evaluateEvery: '500ms',
      receivers: [{ name: 'hook', type: 'webhook', url }],
      route: { receivers: ['hook'] },
      rules: [{ name: 'camera-silent', kind: 'silent_camera', severity: 'critical', params: { window: '5s', signal: 'events' } }],
    }),
  );
  return file;
}

test('alerts check refuses a bad rule with one coded line naming its field, exit 2', { timeout: 60_000 }, () => {
  const file = join(dir, 'bad.json');
  writeFileSync(
    file,
    JSON.stringify({
      receivers: [{ name: 'log', type: 'log' }],
      route: { receivers: ['log'] },
      rules: [{ name: 'x', kind: 'silent_camera', severity: 'critical', params: { window: 'soon' } }],
    }),
  );
  const r = spawnSync(process.execPath, [BIN, 'alerts', 'check', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr.trim(),
    'seamline: SEAM_ERR_CONFIG: alerts config: rules[0].params.window ("soon") must be a duration such as 30s, 5m, 1h30m or 0s',
  );
  const ok = spawnSync(process.execPath, [BIN, 'alerts', 'check', '--config', alertsFile('http://127.0.0.1:9/x')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /1 rule\(s\), 0 shift\(s\), 1 receiver\(s\)/);
});

test('alerts test sends one test notification and says so; a receiver that is down is SEAM_ERR_NOTIFY_FAILED, exit 2', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  try {
    const run = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'alerts', 'test', '--config', alertsFile(hook.url)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => resolve({ code, out, err }));
      });
    const ok = await run();
    assert.equal(ok.code, 0, ok.err);
    assert.equal(hook.bodies.length, 1);
    assert.equal(hook.bodies[0].test, true);
    assert.match(ok.out, new RegExp(`hook: delivered \\(id ${hook.bodies[0].id}\\)`));
    hook.down = true;
    const down = await run();
    assert.equal(down.code, 2);
    assert.match(down.err, /^seamline: SEAM_ERR_NOTIFY_FAILED: receiver hook: POST 127\.0\.0\.1:\d+ answered 503$/m);
  } finally {
    await hook.close();
  }
});

describe('two `seamline alerts run` processes on one PostgreSQL', () => {
  let server: RunningPostgres;
  let hook: WebhookReceiver;
  const children: ChildProcess[] = [];
  before(async () => {
    [server, hook] = await Promise.all([startPostgres(), startWebhookReceiver()]);
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await hook?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('one pages; when it is SIGKILLed the other takes over and sends the resolve, and nothing is sent twice', {
    timeout: 120_000,
  }, async () => {
    const store = new PostgresStore({ url: server.url, timescale: 'off' });
    await store.open();
    // cam-a reported until 30 s ago: silent in a 5 s window.
    await store.write(makeEvents(5, { camera: 'cam-a' }, Date.now() - 30_000, 100), new Date());
    const file = alertsFile(hook.url);
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const child = spawn(
        process.execPath,
        [
          BIN,
          'alerts',
          'run',
          '--store',
          server.url,
          '--config',
          file,
          '--metrics-port',
          '-1',
          '--dashboard-port',
          String(port),
          '--log-level',
          'error',
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      children.push(child);
    }
    const api = async (port: number) => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/api/alerts`)).json()) as { leader: boolean; alerts: { state: string }[] };
      } catch {
        return undefined;
      }
    };
    await waitFor(async () => hook.bodies.length >= 1, 60_000, 'the first page');
    // The standby mirrors the stored state at each of its ticks.
    await waitFor(
      async () => (await Promise.all(ports.map(api))).every((s) => s?.alerts[0]?.state === 'firing'),
      30_000,
      'both show the alert firing',
    );
    const states = await Promise.all(ports.map(api));
    assert.deepEqual(states.map((s) => s!.leader).sort(), [false, true], 'exactly one leader');
    const leader = states[0]!.leader ? 0 : 1;
    children[leader].kill('SIGKILL');
    // The camera comes back: a new transition that only the survivor can send.
    await new Promise((r) => setTimeout(r, 1_500));
    const live = makeEvents(60, { camera: 'cam-a', seq: 5 }, Date.now(), 100);
    await store.write(live, new Date());
    await waitFor(async () => hook.bodies.length >= 2, 60_000, 'the resolve from the survivor');
    assert.equal((await api(ports[1 - leader]))?.leader, true, 'the survivor holds the lock');
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(
      hook.bodies.map((b) => `${b.status} ${b.alerts[0].transition_id}`),
      ['firing camera-silent|eu/plant-1/cam-a#1', 'resolved camera-silent|eu/plant-1/cam-a#2'],
    );
    await store.close();
  });
});
