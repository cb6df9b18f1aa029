import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import mqtt from 'mqtt';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { NODE_FLAGS } from '../../src/plumbing/modules.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * A first run on a real machine (issue 13): a port someone else holds says so in one coded line, and
 * `npm start -- --broker <url>` runs the pipeline against the broker that is already there.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/seamline.js');
const dir = mkdtempSync(join(tmpdir(), 'seamline-first-run-'));
let broker: RunningMosquitto;
let plainTcp: Server;
let plainPort: number;

before(async () => {
  broker = await startMosquitto({ log: true });
  // Something that holds a port and is not MQTT: it accepts and says nothing.
  plainTcp = createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => plainTcp.listen(0, '127.0.0.1', () => resolve()));
  plainPort = (plainTcp.address() as { port: number }).port;
});
after(async () => {
  await broker?.close();
  await new Promise((resolve) => plainTcp?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: dir });
}

/** The one line a refused start printed: exit 2, nothing else on stderr, no stack trace. */
function assertOneCodedLine(r: { status: number | null; stderr: string }, code: string): string {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `exactly one line on stderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.match(lines[0], new RegExp(`^seamline: ${code}: `));
  return lines[0];
}

const quiet = ['--log-level', 'warn'];

test('a busy embedded-broker port where an MQTT broker answers: one coded line that suggests --broker, exit 2', { timeout: 60_000 }, () => {
  const r = run(['start', '--mqtt-port', String(broker.port), '--http-port', '0', '--data-dir', join(dir, 'busy-broker'), ...quiet]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_LISTEN');
  assert.match(
    line,
    new RegExp(`embedded MQTT broker cannot listen on 127\\.0\\.0\\.1:${broker.port}: the address is in use by another program`),
  );
  assert.match(
    line,
    new RegExp(
      `an MQTT broker \\(MQTT 5, shared subscriptions\\) answers there: run against it with --broker mqtt://127\\.0\\.0\\.1:${broker.port}`,
    ),
  );
  assert.match(line, /choose another port with --mqtt-port/);
});

test('a busy embedded-broker port held by something that is not MQTT: the coded line names --mqtt-port and suggests no broker', {
  timeout: 60_000,
}, () => {
  const r = run(['start', '--mqtt-port', String(plainPort), '--http-port', '0', '--data-dir', join(dir, 'busy-tcp'), ...quiet]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_LISTEN');
  assert.match(
    line,
    new RegExp(
      `127\\.0\\.0\\.1:${plainPort}: the address is in use by another program; choose another port with --mqtt-port \\(0 picks a free one\\)$`,
    ),
  );
  assert.doesNotMatch(line, /--broker/);
});

test('a busy dashboard port: one coded line naming --http-port, exit 2, and the broker and store it had opened are closed', {
  timeout: 60_000,
}, async () => {
  const dataDir = join(dir, 'busy-dashboard');
  const r = run(['start', '--mqtt-port', '0', '--http-port', String(plainPort), '--data-dir', dataDir, ...quiet]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_LISTEN');
  assert.match(
    line,
    new RegExp(
      `dashboard cannot listen on 127\\.0\\.0\\.1:${plainPort}: the address is in use by another program; choose another port with --http-port`,
    ),
  );
  // The store had been opened (the file exists) and was closed cleanly: it opens again with its schema.
  const db = await DuckDBInstance.create(join(dataDir, 'seamline.duckdb'));
  const conn = await db.connect();
  const tables = (await conn.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_name = 'events'")).getRowObjects();
  conn.closeSync();
  db.closeSync();
  assert.equal(tables.length, 1);
});

test('a busy metrics port: the consumer prints one coded line naming --metrics-port, exits 2, and never joins the share group', {
  timeout: 60_000,
}, async () => {
  const clientId = 'first-run-busy-metrics';
  const r = run([
    'consumer',
    '--url',
    broker.url,
    '--client-id',
    clientId,
    '--metrics-port',
    String(plainPort),
    '--store',
    join(dir, 'busy-metrics.duckdb'),
    ...quiet,
  ]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_LISTEN');
  assert.match(
    line,
    new RegExp(
      `/metrics cannot listen on 127\\.0\\.0\\.1:${plainPort}: the address is in use by another program; choose another port with --metrics-port`,
    ),
  );
  // The broker's log records connections: a control client shows up in it, the refused consumer never did.
  const control = await mqtt.connectAsync(broker.url, { clientId: 'first-run-control', protocolVersion: 5 });
  await control.endAsync();
  await waitFor(() => broker.log().includes('as first-run-control'), 10_000, 'the control connection in the broker log');
  assert.doesNotMatch(broker.log(), new RegExp(`as ${clientId}`));
});

test('a busy edge HTTP port: the bridge prints one coded line naming --http-port and exits 2', { timeout: 60_000 }, () => {
  const r = run(['edge', '--url', broker.url, '--http-port', String(plainPort), '--data-dir', join(dir, 'busy-edge'), ...quiet]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_LISTEN');
  assert.match(
    line,
    new RegExp(
      `edge HTTP input cannot listen on 127\\.0\\.0\\.1:${plainPort}: the address is in use by another program; choose another port with --http-port`,
    ),
  );
});

test('a busy metrics port for seamline alerts run: one coded line naming --metrics-port, exit 2', { timeout: 60_000 }, () => {
  const config = join(ROOT, 'deploy/alerts/alerts.example.json');
  const r = run([
    'alerts',
    'run',
    '--config',
    config,
    '--store',
    join(dir, 'alerts.duckdb'),
    '--metrics-port',
    String(plainPort),
    ...quiet,
  ]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_LISTEN');
  assert.match(
    line,
    new RegExp(
      `/metrics cannot listen on 127\\.0\\.0\\.1:${plainPort}: the address is in use by another program; choose another port with --metrics-port`,
    ),
  );
});

test('--broker at an address where nothing answers MQTT: one coded line naming it, exit 2', { timeout: 60_000 }, () => {
  const r = run(['start', '--broker', `mqtt://127.0.0.1:${plainPort}`, '--http-port', '0', '--data-dir', join(dir, 'not-mqtt'), ...quiet]);
  const line = assertOneCodedLine(r, 'SEAM_ERR_BROKER_UNAVAILABLE');
  assert.match(line, new RegExp(`--broker mqtt://127\\.0\\.0\\.1:${plainPort}: something answers there, but not MQTT`));
});

test("npm start -- --broker <Mosquitto> stores every simulated camera's events through a shared subscription", {
  timeout: 120_000,
}, async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  assert.equal(
    pkg.scripts.start,
    `node scripts/build.mjs --if-stale && node ${NODE_FLAGS.join(' ')} bin/seamline.js start`,
    'npm start builds dist/ when stale, then runs what this test runs',
  );
  const dataDir = join(dir, 'with-broker');
  // The inference camera is left out: this test is about the broker and the shared subscription, and loading
  // a model on a busy machine would only slow it (test/cli/start.test.ts shows npm start with it).
  const child = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      BIN,
      'start',
      '--broker',
      broker.url,
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
      '--rate',
      '20',
      '--no-inference',
      ...quiet,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A failed assertion must not leave `seamline start` running: it held this file open to the 15 min backstop.
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  // The banner arrives in as many chunks as the pipe likes: wait for its last line before reading it.
  await waitFor(() => /Press Ctrl-C to stop/.test(out), 40_000, `the start banner (${err})`);
  assert.match(
    out,
    new RegExp(
      `MQTT\\s+${broker.url.replace(/\./g, '\\.')}  \\(existing broker, MQTT 5, shared subscription \\$share/seamline-start/vision/\\+/\\+/\\+/detection\\)`,
    ),
  );
  const dashboard = /dashboard\s+(http:\/\/\S+)/.exec(out)![1];
  const perCamera = async () =>
    ((await (await fetch(`${dashboard}/api/overview?minutes=5`)).json()) as { cameras: { events: number }[] }).cameras.map((c) => c.events);
  await waitFor(
    async () => {
      const counts = await perCamera().catch(() => []);
      return counts.length === 6 && counts.every((n) => n > 0);
    },
    40_000,
    'events from all six cameras on the dashboard',
  );
  child.kill('SIGINT');
  assert.equal(await exited, 0, err);
  const committed = Number(/stopped: (\d+) events/.exec(out)?.[1]);

  // The broker saw the consumer subscribe through the share group, not to the plain topic.
  const log = broker.log();
  assert.match(log, /seamline-start-consumer 1 \$share\/seamline-start\/vision\/\+\/\+\/\+\/detection/);
  assert.doesNotMatch(log, /seamline-start-consumer 1 vision\/\+\/\+\/\+\/detection/);

  const db = await DuckDBInstance.create(join(dataDir, 'seamline.duckdb'));
  const conn = await db.connect();
  const rows = (
    await conn.runAndReadAll(
      'SELECT camera, min(seq) AS lo, max(seq) AS hi, count(DISTINCT seq) AS seqs, count(*) AS n FROM events GROUP BY camera ORDER BY camera',
    )
  ).getRowObjects();
  conn.closeSync();
  db.closeSync();
  assert.deepEqual(
    rows.map((r) => r.camera),
    ['cam-01', 'cam-02', 'cam-03', 'cam-04', 'cam-05', 'cam-06'],
  );
  let stored = 0;
  for (const r of rows) {
    const [lo, hi, seqs, n] = [r.lo, r.hi, r.seqs, r.n].map(Number);
    assert.equal(lo, 1, `${r.camera} starts at seq 1`);
    assert.equal(seqs, hi - lo + 1, `${r.camera} has no hole in its seq range`);
    assert.equal(n, seqs, `${r.camera} stored each seq once`);
    stored += n;
  }
  assert.equal(stored, committed, 'the stop line counts exactly what was stored');
});
