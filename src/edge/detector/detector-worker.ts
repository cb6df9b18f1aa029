/**
 * The detector's worker thread: loads the model into onnxruntime and answers detect requests one at a time,
 * so session.run (which blocks its thread) never blocks the bridge's event loop. Protocol: worker-protocol.ts.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { isSeamError } from '../../contract/index.ts';
import type { DetectorOptions } from './detector.ts';
import { InferenceCore } from './inference-core.ts';
import type { ToMain, ToWorker, WireError } from './worker-protocol.ts';

const port = parentPort!;
const send = (m: ToMain) => port.postMessage(m);
const wire = (err: unknown): WireError =>
  isSeamError(err)
    ? { code: err.code, message: err.message, field: err.field }
    : { message: err instanceof Error ? err.message : String(err) };

/**
 * Lowers this thread's scheduling priority by `nice` steps (not the process's): on Linux setpriority() on a thread id
 * applies to that thread alone. With the model busy on one core, the bridge's event loop then gets a core
 * the moment it wakes instead of waiting for the scheduler to take turns (docs/inference.md).
 */
function lowerPriority(nice: number): void {
  if (process.platform !== 'linux' || nice <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, Math.min(19, getPriority(tid) + nice));
  } catch {
    // No /proc, or not allowed: the detector runs at the process's priority.
  }
}

let core: InferenceCore;
try {
  core = await InferenceCore.load(workerData.options as DetectorOptions);
  // After the load, so threads onnxruntime started meanwhile (they inherit the nice value) keep theirs.
  lowerPriority((workerData.options as DetectorOptions).nice ?? 10);
  const { info } = core;
  send({
    type: 'ready',
    model: {
      name: info.name,
      version: info.version,
      names: info.names,
      layout: info.layout.name,
      input: { width: info.input.width, height: info.input.height },
    },
  });
} catch (err) {
  send({ type: 'failed', error: wire(err) });
  process.exit(0);
}

port.on('message', async (m: ToWorker) => {
  if (m.type === 'close') {
    await core.close();
    port.close();
    return;
  }
  const { frame } = m;
  try {
    const r = await core.run({ ...frame, pixels: Buffer.from(frame.pixels) });
    const result = { detections: r.detections, inferredAt: r.inferredAt, modelMs: r.modelMs, prepostMs: r.prepostMs };
    // The pixels are in the tensor now: their buffer goes back (moved, not copied) to be filled again.
    port.postMessage({ type: 'result', id: m.id, result, pixels: frame.pixels } satisfies ToMain, [frame.pixels]);
  } catch (err) {
    port.postMessage({ type: 'error', id: m.id, error: wire(err), pixels: frame.pixels } satisfies ToMain, [frame.pixels]);
  }
});
