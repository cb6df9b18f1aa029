/**
 * The detector's worker thread: loads the model into onnxruntime and answers detect requests one at a time,
 * so session.run (which blocks its thread) never blocks the bridge's event loop. Protocol: worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSeamError } from '../../contract/index.ts';
import type { DetectorOptions } from './detector.ts';
import { InferenceCore } from './inference-core.ts';
import type { ToMain, ToWorker, WireError } from './worker-protocol.ts';

const port = parentPort!;
const send = (m: ToMain) => port.postMessage(m);
const wire = (err: unknown): WireError =>
  isSeamError(err) ? { code: err.code, message: err.message, field: err.field } : { message: err instanceof Error ? err.message : String(err) };

let core: InferenceCore;
try {
  core = await InferenceCore.load(workerData.options as DetectorOptions);
  const { info } = core;
  send({ type: 'ready', model: { name: info.name, version: info.version, names: info.names, layout: info.layout.name, input: { width: info.input.width, height: info.input.height } } });
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
  try {
    const { frame } = m;
    const r = await core.run({ ...frame, pixels: Buffer.from(frame.pixels) });
    send({ type: 'result', id: m.id, result: { detections: r.detections, inferredAt: r.inferredAt, modelMs: r.modelMs, prepostMs: r.prepostMs } });
  } catch (err) {
    send({ type: 'error', id: m.id, error: wire(err) });
  }
});
