import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/proof/services/free-port.ts';
import { readableByMosquitto, startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { waitFor } from '../helpers/wait.ts';
import { collect, makeInput, tempDir } from './support.ts';

/**
 * Regression: a bridge stopped with SIGTERM while its outbox could not drain (broker unreachable, or
 * credentials refused) logged `"stop failed": "Can not renew a transaction from a closed database"` and
 * exited 1 without its "edge bridge stopped" line: the final stats read the outbox after it was closed.
 */
const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const RECORDS = 40;

let broker: RunningMosquitto;
const passwordDir = tempDir('seamline-shutdown-pw-');
before(async () => {
  const passwd = join(passwordDir.dir, 'passwd');
  writeFileSync(passwd, '');
  const made = spawnSync('mosquitto_passwd', ['-b', passwd, 'cam', 'right-password']);
  assert.equal(made.status, 0, `mosquitto_passwd: ${made.stderr}`);
  readableByMosquitto(passwordDir.dir);
  broker = await startMosquitto({ extraConfig: [`password_file ${passwd}`] });
  // Anonymous clients (the collector) are still admitted; a client that names a user must give its password.
});
after(async () => {
  await broker?.close();
  passwordDir.cleanup();
});

interface Run {
  code: number | null;
  stderr: string;
}

/** `seamline edge` on `url` with an HTTP input; posts RECORDS records, then SIGTERM. */
async function postThenTerm(url: string, dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      BIN,
      'edge',
      '--url',
      url,
      '--username',
      'cam',
      '--data-dir',
      dataDir,
      '--http-port',
      String(port),
      '--camera',
      'cam-term',
      '--region',
      'eu',
      '--site',
      'plant-1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => stderr.includes('edge bridge running'), 30_000, 'the bridge to run');
  for (let i = 0; i < RECORDS; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/detections`, { method: 'POST', body: JSON.stringify(makeInput()) });
    assert.equal(res.status, 200, await res.text());
  }
  const health = (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json())) as { outbox_depth: number; connected: boolean };
  assert.equal(health.connected, false, 'the broker never took the bridge');
  assert.equal(health.outbox_depth, RECORDS, 'every record waits in the outbox');
  child.kill('SIGTERM');
  return { code: await exited, stderr };
}

/** The JSON log line with `msg`, parsed. */
function logLine(stderr: string, msg: string): Record<string, unknown> | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.msg === msg) return parsed;
  }
  return undefined;
}

/** Restarts the bridge on the same outbox against the working broker and counts what arrives. */
async function drainsOnRestart(dataDir: string): Promise<void> {
  const collector = await collect(broker.url, { filter: 'vision/eu/plant-1/cam-term/detection' });
  try {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'edge',
        '--url',
        broker.url,
        '--username',
        'cam',
        '--data-dir',
        dataDir,
        '--http-port',
        '-1',
        '--camera',
        'cam-term',
        '--region',
        'eu',
        '--site',
        'plant-1',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, SEAMLINE_MQTT_PASSWORD: 'right-password' },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr!.resume();
    await collector.waitFor(RECORDS, 30_000);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(collector.byId.size, RECORDS, 'every accepted record arrived once the broker took the bridge');
    assert.deepEqual(
      [...new Set(collector.order)].sort((a, b) => a - b),
      Array.from({ length: RECORDS }, (_, i) => i + 1),
    );
  } finally {
    await collector.close();
  }
}

test('SIGTERM with an unreachable broker and a full outbox: exit 0, the stopped line, and a restart delivers every record', {
  timeout: 90_000,
}, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = await postThenTerm(`mqtt://127.0.0.1:${await freePort()}`, dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(logLine(run.stderr, 'stop failed'), undefined, run.stderr);
    const stopped = logLine(run.stderr, 'edge bridge stopped');
    assert.ok(stopped, `the stopped line: ${run.stderr}`);
    assert.equal(stopped.accepted, RECORDS);
    assert.equal(stopped.left_in_outbox, RECORDS);
    await drainsOnRestart(dir);
  } finally {
    cleanup();
  }
});

test('SIGTERM while the broker refuses the credentials: exit 0, the stopped line, and a restart delivers every record', {
  timeout: 90_000,
}, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = await postThenTerm(broker.url, dir, { SEAMLINE_MQTT_PASSWORD: 'wrong-password' });
    assert.ok(logLine(run.stderr, 'broker refused the credentials'), `the broker was reached and said no: ${run.stderr}`);
    assert.equal(run.code, 0, run.stderr);
    const stopped = logLine(run.stderr, 'edge bridge stopped');
    assert.ok(stopped, `the stopped line: ${run.stderr}`);
    assert.equal(stopped.left_in_outbox, RECORDS);
    await drainsOnRestart(dir);
  } finally {
    cleanup();
  }
});
