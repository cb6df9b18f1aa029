import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { shippedModel } from '../edge/detector/support.ts';
import { collect, tempDir } from '../edge/support.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;

let broker: RunningMosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(() => broker.close());

test('seamline edge --source synthetic --model publishes detections and heartbeats with frame counters, and stops on SIGINT', {
  timeout: 120_000,
}, async () => {
  const tmp = tempDir('seamline-edge-inference-');
  const seen = await collect(broker.url);
  const child = spawn(
    process.execPath,
    [
      BIN,
      'edge',
      '--source',
      'synthetic',
      '--model',
      shippedModel('seamline-conveyor.onnx'),
      '--fps',
      '5',
      '--url',
      broker.url,
      '--camera',
      'conveyor-9',
      '--data-dir',
      tmp.dir,
      '--http-port',
      '-1',
      '--heartbeat',
      '1',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    await waitFor(() => seen.byId.size >= 5, 60_000, `5 detection events (stderr: ${stderr})`);
    const events = [...seen.byId.values()];
    for (const e of events) {
      assert.equal(e.camera, 'conveyor-9');
      assert.equal(e.model.name, 'seamline-conveyor');
      assert.deepEqual(e.frame, { width: 1280, height: 720 });
      assert.ok(Date.parse(e.inferred_at) >= Date.parse(e.captured_at));
    }
    assert.ok(
      events.some((e) => e.detections.some((d) => d.class === 'part')),
      'parts found',
    );
    await waitFor(() => seen.statuses.some((s) => Number(s.message.frames_inferred) > 0), 20_000, 'a heartbeat with frames_inferred');
    const beat = [...seen.statuses].reverse().find((s) => Number(s.message.frames_inferred) > 0)!.message;
    assert.ok(Number(beat.frames_read) >= Number(beat.frames_inferred));
    assert.equal(typeof beat.model_ms_p50, 'number');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
    await seen.close();
    tmp.cleanup();
  }
});
