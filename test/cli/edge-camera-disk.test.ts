import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cameraDiskShares, MIN_CAMERA_SHARE } from '../../src/cli/commands/camera-disk-shares.ts';
import { type CameraEntry, EDGE_DEFAULTS, type EdgeConfig, readCamerasFile } from '../../src/cli/config/edge.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { startMosquitto } from '../../src/proof/services/mosquitto.ts';
import { shippedModel } from '../edge/detector/support.ts';
import { tempDir } from '../edge/support.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const MODEL = shippedModel('seamline-conveyor.onnx');
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const camerasOf = (n: number, own: Record<number, Partial<CameraEntry>> = {}): CameraEntry[] =>
  Array.from({ length: n }, (_, i) => ({ camera: `cam-${i + 1}`, source: 'synthetic', ...own[i] }));
const config = (over: Partial<EdgeConfig> = {}): EdgeConfig => ({ ...EDGE_DEFAULTS, ...over });

/** The SEAM_ERR_CONFIG a call throws, with its field. */
function refusal(fn: () => unknown): { field: string | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isSeamError(err, 'SEAM_ERR_CONFIG'), String(err));
    return { field: err.field, message: err.message };
  }
  assert.fail('not refused');
}

test('--cameras disk: --max-bytes and --evidence-queue-bytes are the host total, split equally; the replay window keeps its proportion', {
  timeout: 10_000,
}, () => {
  // The defaults: 4 GiB of outbox (2 GiB of it replay window) and 256 MiB of images, over eight cameras.
  const shares = cameraDiskShares(camerasOf(8), config());
  assert.equal(shares.length, 8);
  for (const [i, s] of shares.entries())
    assert.deepEqual(s, { camera: `cam-${i + 1}`, maxBytes: 512 * MiB, replayMaxBytes: 256 * MiB, evidenceQueueBytes: 32 * MiB });
  const sum = (k: 'maxBytes' | 'evidenceQueueBytes') => shares.reduce((n, s) => n + s[k], 0);
  assert.equal(sum('maxBytes'), EDGE_DEFAULTS.maxBytes, 'the outboxes together: --max-bytes');
  assert.equal(sum('evidenceQueueBytes'), EDGE_DEFAULTS.evidenceQueueBytes, 'the image queues together: --evidence-queue-bytes');

  // An odd total: each gets its floor, never more than the total together.
  const odd = cameraDiskShares(camerasOf(3), config({ maxBytes: 10 * MiB + 1, replayMaxBytes: 0, evidence: false }));
  assert.deepEqual(
    odd.map((s) => [s.maxBytes, s.replayMaxBytes, s.evidenceQueueBytes]),
    Array(3).fill([Math.floor((10 * MiB + 1) / 3), 0, 0]),
  );
  // A replay window as large as the outbox stays as large as each camera's share.
  const whole = cameraDiskShares(camerasOf(2), config({ maxBytes: 8 * MiB, replayMaxBytes: 16 * MiB }));
  assert.deepEqual(
    whole.map((s) => s.replayMaxBytes),
    [4 * MiB, 4 * MiB],
  );
});

test('--cameras disk: a camera that sets its own maxBytes or evidenceQueueBytes gets it, the others share what is left', {
  timeout: 10_000,
}, () => {
  const cams = camerasOf(4, { 1: { maxBytes: 1 * GiB, evidenceQueueBytes: 100 * MiB }, 3: { maxBytes: 2 * GiB } });
  const shares = cameraDiskShares(cams, config({ maxBytes: 4 * GiB, replayMaxBytes: 1 * GiB, evidenceQueueBytes: 160 * MiB }));
  assert.deepEqual(
    shares.map((s) => s.maxBytes),
    [512 * MiB, 1 * GiB, 512 * MiB, 2 * GiB],
  );
  assert.deepEqual(
    shares.map((s) => s.replayMaxBytes),
    [128 * MiB, 256 * MiB, 128 * MiB, 512 * MiB],
  );
  assert.deepEqual(
    shares.map((s) => s.evidenceQueueBytes),
    [20 * MiB, 100 * MiB, 20 * MiB, 20 * MiB],
  );
  // Every camera set its own and together they are under the total: each gets its own, nothing more.
  const all = cameraDiskShares(camerasOf(2, { 0: { maxBytes: 2 * MiB }, 1: { maxBytes: 3 * MiB } }), config({ maxBytes: 10 * MiB }));
  assert.deepEqual(
    all.map((s) => s.maxBytes),
    [2 * MiB, 3 * MiB],
  );
});

test('--cameras disk: refused, naming the field, when the cameras own more than the total or a share falls below 1 MiB', {
  timeout: 10_000,
}, () => {
  const over = camerasOf(3, { 0: { maxBytes: 6 * MiB }, 2: { maxBytes: 5 * MiB } });
  let r = refusal(() => cameraDiskShares(over, config({ maxBytes: 10 * MiB })));
  assert.equal(r.field, 'cameras[2].maxBytes');
  assert.match(r.message, /add up to 11534336 bytes by cameras\[2\], more than --max-bytes 10485760/);

  r = refusal(() => cameraDiskShares(camerasOf(8), config({ maxBytes: 7 * MiB })));
  assert.equal(r.field, 'maxBytes');
  assert.match(r.message, /--max-bytes\) 7340032 split between 8 cameras leaves 917504 bytes each, below the minimum of 1048576/);
  // Exactly the minimum is enough.
  assert.equal(cameraDiskShares(camerasOf(8), config({ maxBytes: 8 * MIN_CAMERA_SHARE }))[7].maxBytes, MIN_CAMERA_SHARE);

  r = refusal(() => cameraDiskShares(camerasOf(3, { 0: { maxBytes: 9 * MiB } }), config({ maxBytes: 10 * MiB })));
  assert.equal(r.field, 'maxBytes');
  assert.match(r.message, /split between 2 cameras after the 9437184 bytes the cameras' own maxBytes take leaves 524288 bytes each/);

  const images = camerasOf(2, { 0: { evidenceQueueBytes: 300 * MiB } });
  r = refusal(() => cameraDiskShares(images, config()));
  assert.equal(r.field, 'cameras[0].evidenceQueueBytes');
  assert.match(r.message, /more than --evidence-queue-bytes 268435456/);
  // With evidence off no image queue opens, so its split is not checked.
  assert.equal(cameraDiskShares(images, config({ evidence: false }))[0].evidenceQueueBytes, 0);

  // The file's own check: a camera's bound below the minimum, named by its path.
  const tmp = tempDir('seamline-camera-disk-');
  try {
    const file = join(tmp.dir, 'cameras.json');
    writeFileSync(file, JSON.stringify({ cameras: [{ camera: 'a', source: 'synthetic', maxBytes: 1000 }] }));
    r = refusal(() => readCamerasFile(file));
    assert.equal(r.field, 'cameras[0].maxBytes');
  } finally {
    tmp.cleanup();
  }
});

test('seamline edge --cameras: each camera outbox and image queue opened with its share, logged at start; an over-claim refused', {
  timeout: 120_000,
}, async () => {
  const broker = await startMosquitto();
  const tmp = tempDir('seamline-camera-disk-run-');
  const file = join(tmp.dir, 'cameras.json');
  const cameras = [...camerasOf(3), { camera: 'big', source: 'synthetic', maxBytes: 40 * MiB }];
  writeFileSync(file, JSON.stringify({ cameras: cameras.map((c) => ({ ...c, fps: 2 })) }));
  const args = ['edge', '--cameras', file, '--model', MODEL, '--url', broker.url, '--client-id', 'disk-host', '--http-port', '-1'];
  args.push('--data-dir', join(tmp.dir, 'data'), '--max-bytes', String(100 * MiB), '--replay-max-bytes', String(50 * MiB));
  args.push('--evidence-queue-bytes', String(12 * MiB), '--log-level', 'info', '--log-format', 'json', '--http-port', '-1');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  try {
    await waitFor(() => lines().some((l) => l.msg === 'edge cameras running'), 60_000, `edge cameras running (output: ${out})`);
    const shares = new Map(
      lines()
        .filter((l) => l.msg === 'camera disk share')
        .map((l) => [l.camera, l]),
    );
    for (const name of ['cam-1', 'cam-2', 'cam-3']) {
      assert.equal(shares.get(name)?.maxBytes, 20 * MiB, `${name}: (100 - 40) MiB / 3`);
      assert.equal(shares.get(name)?.replayMaxBytes, 10 * MiB, `${name}: half its outbox, as --replay-max-bytes is of --max-bytes`);
      assert.equal(shares.get(name)?.evidenceQueueBytes, 3 * MiB, `${name}: 12 MiB / 4`);
    }
    assert.deepEqual([shares.get('big')?.maxBytes, shares.get('big')?.replayMaxBytes], [40 * MiB, 20 * MiB]);
    const running = lines().find((l) => l.msg === 'edge cameras running')!;
    assert.deepEqual([running.maxBytes, running.evidenceQueueBytes], [100 * MiB, 12 * MiB]);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out.slice(-2000));

    // The command refuses an over-claim before anything loads or connects: one coded line naming the field.
    writeFileSync(file, JSON.stringify({ cameras: [...camerasOf(1), { camera: 'big', source: 'synthetic', maxBytes: 200 * MiB }] }));
    const refused = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SEAM_ERR_CONFIG: cameras\[1\]\.maxBytes: the cameras' own maxBytes add up to 209715200 bytes/);
  } finally {
    child.kill('SIGKILL');
    tmp.cleanup();
    await broker.close();
  }
});
