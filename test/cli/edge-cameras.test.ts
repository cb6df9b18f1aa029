import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import sharp from 'sharp';
import { readCamerasFile } from '../../src/cli/config/edge.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { shippedModel } from '../edge/detector/support.ts';
import { startStreamServer } from '../edge/frames/stream-server.ts';
import { collect, sleep, tempDir } from '../edge/support.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const MODEL = shippedModel('seamline-conveyor.onnx');
const CAMERAS = Number(process.env.SEAMLINE_TEST_CAMERAS ?? 8);

let broker: RunningMosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(() => broker.close());

/** The retained status of every camera, as a subscriber that connects now receives it. */
async function retainedStatuses(url: string): Promise<Map<string, Record<string, unknown>>> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `retained-${process.pid}-${Date.now()}` });
  const seen = new Map<string, Record<string, unknown>>();
  client.on('message', (topic, payload, packet) => {
    if (packet.retain) seen.set(topic.split('/')[3], JSON.parse(payload.toString()) as Record<string, unknown>);
  });
  await client.subscribeAsync('vision/+/+/+/status', { qos: 1 });
  await sleep(500);
  await client.endAsync(true);
  return seen;
}

test(`seamline edge --cameras: ${CAMERAS} synthetic cameras on one model, each its own seq 1..N, status and graceful offline`, {
  timeout: 180_000,
}, async (t) => {
  const tmp = tempDir('seamline-edge-cameras-');
  const names = Array.from({ length: CAMERAS }, (_, i) => `cam-${i + 1}`);
  const file = join(tmp.dir, 'cameras.json');
  writeFileSync(file, JSON.stringify({ cameras: names.map((camera) => ({ camera, source: 'synthetic', fps: 4 })) }));
  const seen = await collect(broker.url);
  const port = await freePort();
  const args = ['edge', '--cameras', file, '--model', MODEL, '--url', broker.url, '--client-id', 'mc-host', '--http-port', String(port)];
  args.push('--region', 'plant', '--site', 'hall-2', '--data-dir', join(tmp.dir, 'data'), '--heartbeat', '1', '--log-level', 'warn');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const events = () => [...seen.byId.values()];
  const countOf = (camera: string) => events().filter((e) => e.camera === camera).length;
  try {
    await waitFor(() => names.every((n) => countOf(n) >= 1), 60_000, `every camera's first event (stderr: ${stderr})`);
    await sleep(6_000);
    const online = await retainedStatuses(broker.url);
    for (const n of names) assert.equal(online.get(n)?.state, 'online', `${n} retained online: ${JSON.stringify(online.get(n))}`);
    // One /metrics for the host, every camera's series labelled by its client id; /healthz each camera's counters.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      cameras: Record<string, { bridge: { accepted: number } }>;
    };
    for (const n of names) {
      const accepted = Number(metrics.match(new RegExp(`seamline_edge_accepted_total\\{client_id="mc-host-${n}"\\} (\\d+)`))?.[1]);
      assert.ok(accepted >= 1, `${n}: its accepted series on /metrics (${accepted})`);
      assert.ok(health.cameras[n].bridge.accepted >= 1, `${n} on /healthz: ${JSON.stringify(health.cameras[n])}`);
    }
    assert.deepEqual(Object.keys(health.cameras).sort(), [...names].sort());
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    await sleep(500);

    const counts = names.map(countOf);
    t.diagnostic(`events per camera: ${counts.join(', ')}; stderr: ${stderr.slice(0, 2000)}`);
    for (const [i, n] of names.entries()) {
      const mine = events().filter((e) => e.camera === n);
      assert.ok(mine.every((e) => e.region === 'plant' && e.site === 'hall-2' && e.model.name === 'seamline-conveyor'));
      const seqs = mine.map((e) => e.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, k) => k + 1),
        `${n}: seq 1..N, no gap, no repeat`,
      );
      // How many depends on the machine's load (one model for all eight): the turns' fairness is checked below.
      assert.ok(counts[i] >= 3, `${n} published ${counts[i]} events in ~6 s`);
      assert.ok(existsSync(join(tmp.dir, 'data', n)), `${n} has its own outbox folder`);
    }
    // Turns are shared: no camera far behind the others (they all ask for 4 frames a second).
    assert.ok(Math.min(...counts) >= Math.max(...counts) * 0.7, `per-camera counts ${counts}`);

    // Each camera's own status topic, heartbeats with its own frame counters, then a graceful offline.
    const offline = await retainedStatuses(broker.url);
    for (const n of names) {
      const mine = seen.statuses.filter((s) => s.topic === `vision/plant/hall-2/${n}/status`).map((s) => s.message);
      const beats = mine.filter((m) => m.state === 'online' && Number(m.frames_inferred) > 0);
      assert.ok(beats.length > 0, `${n} heartbeats with frames_inferred`);
      const last = mine.at(-1)!;
      assert.equal(last.state, 'offline', `${n} last status offline`);
      // The will carries the time the bridge connected; a clean stop's offline is written at the stop.
      assert.ok(Date.parse(String(last.at)) >= Date.parse(String(beats.at(-1)!.at)), `${n} offline written at the stop, not the will`);
      assert.equal(offline.get(n)?.state, 'offline', `${n} retained offline`);
    }
    assert.ok(![...offline.values()].some((s) => s.state === 'online'), 'none left online');
  } finally {
    child.kill('SIGKILL');
    await seen.close();
    tmp.cleanup();
  }
});

test('seamline edge --cameras: a stream that is cut is restarted by its own source (counted in its heartbeat) while the synthetic cameras keep their rate', {
  timeout: 180_000,
}, async (t) => {
  const tmp = tempDir('seamline-edge-cameras-cut-');
  const stream = await startStreamServer({ fps: 5 });
  const names = ['syn-1', 'syn-2', 'syn-3'];
  const file = join(tmp.dir, 'cameras.json');
  const cameras = [...names.map((camera) => ({ camera, source: 'synthetic', fps: 4 })), { camera: 'live-1', source: stream.url, fps: 5 }];
  writeFileSync(file, JSON.stringify({ cameras }));
  const seen = await collect(broker.url);
  const args = [
    'edge',
    '--cameras',
    file,
    '--model',
    MODEL,
    '--url',
    broker.url,
    '--client-id',
    'mc-cut',
    '--watchdog',
    '2',
    '--http-port',
    '-1',
  ];
  args.push('--data-dir', join(tmp.dir, 'data'), '--heartbeat', '1', '--log-level', 'warn', '--no-evidence');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const countOf = (camera: string) => [...seen.byId.values()].filter((e) => e.camera === camera).length;
  const counts = () => [...names, 'live-1'].map(countOf);
  const restartsOf = () =>
    Math.max(0, ...seen.statuses.filter((s) => s.topic.endsWith('/live-1/status')).map((s) => Number(s.message.source_restarts ?? 0)));
  try {
    await waitFor(() => [...names, 'live-1'].every((n) => countOf(n) >= 3), 60_000, `every camera's events (stderr: ${stderr})`);
    const before0 = counts();
    await sleep(6000);
    const before1 = counts();
    await stream.cut();
    await sleep(6000);
    const during = counts();
    await waitFor(() => restartsOf() >= 1, 30_000, 'live-1 restarted (source_restarts in its heartbeat)');
    await stream.restore();
    const liveAtRestore = countOf('live-1');
    await waitFor(() => countOf('live-1') >= liveAtRestore + 5, 60_000, `live-1 frames again after the restore (stderr: ${stderr})`);
    t.diagnostic(`before ${before0} -> ${before1}, cut -> ${during}, live-1 restarts ${restartsOf()}`);
    for (const i of names.keys()) {
      const [b, c] = [before1[i] - before0[i], during[i] - before1[i]];
      // Restarting the cut stream's ffmpeg costs CPU on a 2-core machine: the others slow a little, never stop.
      assert.ok(c >= b * 0.6, `${names[i]} kept its rate during the cut: ${b} events in 6 s before, ${c} during`);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    await sleep(500);
    for (const n of [...names, 'live-1']) {
      const seqs = [...seen.byId.values()]
        .filter((e) => e.camera === n)
        .map((e) => e.seq)
        .sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, k) => k + 1),
        `${n}: seq 1..N across the cut`,
      );
    }
  } finally {
    child.kill('SIGKILL');
    await stream.close();
    await seen.close();
    tmp.cleanup();
  }
});

test('seamline edge --cameras: a camera whose folder of images ends stops alone (its status offline), the others stay online and go on', {
  timeout: 120_000,
}, async () => {
  const tmp = tempDir('seamline-edge-cameras-end-');
  const folder = join(tmp.dir, 'frames');
  mkdirSync(folder);
  for (let i = 0; i < 3; i++) {
    const raw = Buffer.alloc(320 * 240 * 3, 40 + i * 60);
    await sharp(raw, { raw: { width: 320, height: 240, channels: 3 } })
      .png()
      .toFile(join(folder, `frame-${i}.png`));
  }
  const file = join(tmp.dir, 'cameras.json');
  const cameras = [
    { camera: 'files-1', source: folder, fps: 2 },
    ...['syn-1', 'syn-2'].map((camera) => ({ camera, source: 'synthetic', fps: 4 })),
  ];
  writeFileSync(file, JSON.stringify({ cameras }));
  const seen = await collect(broker.url);
  const args = [
    'edge',
    '--cameras',
    file,
    '--model',
    MODEL,
    '--url',
    broker.url,
    '--client-id',
    'mc-end',
    '--no-evidence',
    '--http-port',
    '-1',
  ];
  args.push('--data-dir', join(tmp.dir, 'data'), '--heartbeat', '1', '--log-level', 'warn');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const mine = (camera: string) => [...seen.byId.values()].filter((e) => e.camera === camera);
  const lastStatus = (camera: string) => seen.statuses.filter((s) => s.topic.endsWith(`/${camera}/status`)).at(-1)?.message.state;
  try {
    await waitFor(() => lastStatus('files-1') === 'offline', 60_000, `files-1 offline once its folder ended (stderr: ${stderr})`);
    // Its images, seq 1..N (a frame that waited while the model was busy with the others may be skipped, counted).
    const seqs = mine('files-1')
      .map((e) => e.seq)
      .sort((a, b) => a - b);
    assert.ok(seqs.length >= 1 && seqs.length <= 3, `files-1 events: ${seqs}`);
    assert.deepEqual(
      seqs,
      seqs.map((_, k) => k + 1),
      'seq 1..N',
    );
    const atEnd = ['syn-1', 'syn-2'].map((n) => mine(n).length);
    await sleep(4_000);
    const retained = await retainedStatuses(broker.url);
    assert.equal(retained.get('files-1')?.state, 'offline', 'the ended camera retained offline');
    for (const [i, n] of ['syn-1', 'syn-2'].entries()) {
      assert.equal(retained.get(n)?.state, 'online', `${n} still online`);
      assert.ok(mine(n).length >= atEnd[i] + 4, `${n} went on: ${atEnd[i]} -> ${mine(n).length} events in 4 s`);
    }
    assert.equal(child.exitCode, null, 'the process runs on for the other cameras');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
    await seen.close();
    tmp.cleanup();
  }
});

test('seamline edge --cameras refuses an empty list, a duplicate camera name, an unknown field and --source beside it (SEAM_ERR_CONFIG)', {
  timeout: 60_000,
}, () => {
  const tmp = tempDir('seamline-edge-cameras-config-');
  try {
    const fileOf = (cameras: unknown) => {
      const file = join(tmp.dir, `c-${Math.random().toString(16).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(cameras));
      return file;
    };
    // The file's checks, in-process (what the command runs first).
    const refused = (cameras: unknown, message: RegExp) =>
      assert.throws(
        () => readCamerasFile(fileOf(cameras)),
        (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && message.test(err.message),
      );
    refused({ cameras: [] }, /cameras file .*: cameras is empty/);
    const a = { camera: 'a', source: 'synthetic' };
    refused({ cameras: [a, { camera: 'b', source: 'synthetic' }, a] }, /cameras\[2\]\.camera "a" is already cameras\[0\]/);
    refused({ cameras: [{ ...a, fsp: 5 }] }, /cameras\[0\]\.fsp is not a field/);
    // And the command itself: one coded line, a non-zero exit.
    const both = spawnSync(
      process.execPath,
      [BIN, 'edge', '--cameras', fileOf({ cameras: [a] }), '--model', MODEL, '--source', 'synthetic'],
      {
        encoding: 'utf8',
      },
    );
    assert.notEqual(both.status, 0);
    assert.match(both.stderr, /SEAM_ERR_CONFIG: source \(--source\) is not used with --cameras/);
  } finally {
    tmp.cleanup();
  }
});
