import { Worker } from 'node:worker_threads';
import { SeamError } from '../../contract/index.ts';
import { isCompiled, workerModule } from '../../plumbing/modules.ts';
import { recyclePixels } from '../frames/frame-pool.ts';
import type { Frame } from '../frames/frame-source.ts';
import type { DetectCallOptions, DetectionResult, Detector, DetectorModel, DetectorOptions, DetectorStats } from './detector.ts';
import type { ToMain, ToWorker, WireError } from './worker-protocol.ts';

const WORKER_URL = workerModule('edge/detector/detector-worker');
/**
 * From the sources, tsx is loaded in the worker too: `bin/seamline.js` registers it for the main thread only. An
 * eval'd worker resolves bare specifiers from the working directory, so tsx is named by the path this module
 * finds it at (otherwise `seamline edge --model` run from any other directory could not start its detector).
 */
const WORKER: [string | URL, { eval?: boolean }] = !isCompiled()
  ? [
      `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`,
      { eval: true },
    ]
  : [WORKER_URL, {}];
const WINDOW = 256;

function revive(e: WireError): Error {
  return e.code ? new SeamError(e.code, e.message, { field: e.field }) : new Error(e.message);
}

/** The pixels as an ArrayBuffer that can be transferred: the frame's own when it owns all of it, else a copy. */
function transferable(px: Buffer): ArrayBuffer {
  const ab = px.buffer;
  if (ab instanceof ArrayBuffer && px.byteOffset === 0 && px.byteLength === ab.byteLength) return ab;
  return px.buffer.slice(px.byteOffset, px.byteOffset + px.byteLength) as ArrayBuffer;
}

/**
 * The ONNX Runtime detector: the model runs in a worker thread (detector-worker.ts) and frames travel to it
 * by transfer, so neither the model run nor the pre/post-processing happens on the caller's thread; each
 * frame's buffer is transferred back with its answer and reused by the sources (frame-pool.ts). A
 * worker that dies is started again on the next frame, and counted.
 */
export class OnnxDetector implements Detector {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: DetectionResult) => void; reject: (e: Error) => void; returnPixels: boolean }
  >();
  private readonly times = new Float64Array(WINDOW);
  private runs = 0;
  private restarts = 0;
  private closing = false;
  private exited = false;
  private alive: Promise<void> | undefined;

  private constructor(
    private readonly options: DetectorOptions,
    readonly model: DetectorModel,
  ) {}

  /** Loads the model (in the worker); rejects with SEAM_ERR_MODEL / SEAM_ERR_CONFIG naming what is wrong. */
  static async open(options: DetectorOptions): Promise<OnnxDetector> {
    const { worker, model } = await OnnxDetector.spawn(options);
    const d = new OnnxDetector(options, model);
    d.attach(worker);
    return d;
  }

  private static spawn(options: DetectorOptions): Promise<{ worker: Worker; model: DetectorModel }> {
    const worker = new Worker(WORKER[0], { ...WORKER[1], workerData: { options } });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new SeamError('SEAM_ERR_MODEL', `detector worker exited (code ${code}) while loading ${options.model}`, { field: 'model' }));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: ToMain) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (m.type === 'ready') resolve({ worker, model: m.model });
        else {
          void worker.terminate();
          reject(m.type === 'failed' ? revive(m.error) : new Error(`unexpected ${m.type} from detector worker`));
        }
      });
    });
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    this.exited = false;
    worker.on('message', (m: ToMain) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      // The caller asked for the pixels back (evidence capture): they become its to recycle.
      const handBack = p?.returnPixels === true && m.type === 'result';
      if (!handBack) recyclePixels(m.pixels);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'error') return p.reject(revive(m.error));
      this.times[this.runs++ % WINDOW] = m.result.modelMs;
      p.resolve(handBack ? { ...m.result, pixels: Buffer.from(m.pixels) } : m.result);
    });
    worker.on('error', () => undefined); // 'exit' follows and says what happened.
    worker.once('exit', (code) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`detector worker exited (code ${code}) during a model run`));
      this.pending.clear();
      if (!this.closing) {
        this.restarts++;
        this.alive = OnnxDetector.spawn(this.options).then(({ worker: w }) => this.attach(w));
      }
    });
  }

  async detect(frame: Frame, options: DetectCallOptions = {}): Promise<DetectionResult> {
    if (this.closing) throw new Error('detector is closed');
    if (this.alive) {
      await this.alive;
      this.alive = undefined;
    }
    const id = this.nextId++;
    const pixels = transferable(frame.pixels);
    const msg: ToWorker = {
      type: 'detect',
      id,
      frame: {
        width: frame.width,
        height: frame.height,
        pixelsWidth: frame.pixelsWidth,
        pixelsHeight: frame.pixelsHeight,
        letterbox: frame.letterbox,
        layout: frame.layout,
        pixels,
      },
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, returnPixels: options.returnPixels === true });
      this.worker.postMessage(msg, [pixels]);
    });
  }

  stats(): DetectorStats {
    const n = Math.min(this.runs, WINDOW);
    if (n === 0) return { runs: 0, modelMsP50: 0, restarts: this.restarts };
    const sorted = Array.from(this.times.subarray(0, n)).sort((a, b) => a - b);
    return { runs: this.runs, modelMsP50: Math.round(sorted[Math.floor((n - 1) / 2)] * 100) / 100, restarts: this.restarts };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.alive) await this.alive.catch(() => undefined);
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
