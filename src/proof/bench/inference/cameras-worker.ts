/**
 * One configuration of `seamline bench inference --cameras N`, in a process of its own so its resident memory
 * is its own: the shape `seamline edge --cameras` runs (src/cli/commands/edge-cameras.ts) — the model loaded
 * once (`SharedDetector` over `OnnxDetector.open`), and per camera a paced synthetic source, a `CameraPipeline`
 * on `shared.forCamera(name)` and its own bridge into the bench's broker. Reads its job from argv[2] (JSON) and
 * prints one JSON line (`CamerasRun`) when done.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { createBridge } from '../../../edge/bridge/bridge.ts';
import { CameraPipeline } from '../../../edge/camera-pipeline.ts';
import { OnnxDetector } from '../../../edge/detector/onnx-detector.ts';
import { SharedDetector } from '../../../edge/detector/shared-detector.ts';
import { SyntheticSource } from '../../../edge/frames/synthetic-source.ts';
import { runAsChildEntry } from '../../../plumbing/children.ts';
import { round } from './cameras-bench.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface CamerasJob {
  url: string;
  protocol: 4 | 5;
  model: string;
  threads: number;
  /** Cameras in this process, named cam-1 .. cam-N. */
  cameras: number;
  /** Frames per second of each camera's synthetic source. */
  fps: number;
  /** Length of the measured window, seconds. */
  seconds: number;
  /** Seconds of the idle baseline (bridges connected, nothing inferring) and of the warm-up after the start. */
  idleSeconds: number;
  warmupSeconds: number;
}

/** What each camera did over the measured window. */
export interface CameraWindow {
  camera: string;
  frames_read: number;
  frames_inferred: number;
  frames_skipped: number;
  /** Frames inferred / elapsed seconds of the window. */
  fps: number;
}

export interface CamerasRun {
  cameras: CameraWindow[];
  elapsed_s: number;
  /** process.memoryUsage().rss sampled once a second over the window, MB. */
  rss_mb_peak: number;
  rss_mb_median: number;
  rss_samples: number;
  event_loop_p99_ms: number;
  event_loop_p99_idle_ms: number;
  model_ms_p50: number;
  /** Per camera, since the pipelines started (warm-up included): requests that found the model busy, ms waited for a turn. */
  waits: Record<string, { waits: number; waitMs: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Nearest-rank median, as ../percentile.ts computes it. */
const median = (xs: number[]): number => Float64Array.from(xs).sort()[Math.max(0, Math.ceil(xs.length / 2) - 1)];
const MB = 1024 * 1024;

interface Camera {
  name: string;
  pipeline: CameraPipeline;
  bridge: ReturnType<typeof createBridge>;
}

/** One camera as startCamera builds it: its own bridge (client id, outbox folder, registry, heartbeat counters). */
async function startCamera(job: CamerasJob, name: string, shared: SharedDetector, dir: string): Promise<Camera> {
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  let pipeline: CameraPipeline | undefined;
  const bridge = createBridge({
    url: job.url,
    protocol: job.protocol,
    clientId: `bench-cameras-${process.pid}-${name}`,
    region: 'bench',
    site: 'bench',
    camera: name,
    dataDir,
    heartbeat: 1,
    registry: new Registry(),
    statusExtra: () => ({ ...pipeline?.statusCounters() }),
  });
  await bridge.start();
  pipeline = new CameraPipeline({
    source: new SyntheticSource({ fps: job.fps }),
    detector: shared.forCamera(name),
    sink: (input) => bridge.accept(input),
  });
  return { name, pipeline, bridge };
}

/** The measured window: per-camera counters before and after, RSS once a second, the event-loop delay throughout. */
async function measure(job: CamerasJob, cameras: Camera[]) {
  const before = cameras.map((c) => c.pipeline.stats());
  const rss: number[] = [];
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const timer = setInterval(() => rss.push(process.memoryUsage().rss / MB), 1000);
  await sleep(job.seconds * 1000);
  clearInterval(timer);
  const elapsed = (performance.now() - t0) / 1000;
  h.disable();
  const after = cameras.map((c) => c.pipeline.stats());
  if (rss.length === 0) rss.push(process.memoryUsage().rss / MB);
  const windows: CameraWindow[] = cameras.map((c, i) => {
    const inferred = after[i].frames_inferred - before[i].frames_inferred;
    return {
      camera: c.name,
      frames_read: after[i].frames_read - before[i].frames_read,
      frames_inferred: inferred,
      frames_skipped: after[i].frames_skipped - before[i].frames_skipped,
      fps: round(inferred / elapsed, 2),
    };
  });
  return {
    windows,
    elapsed,
    rss,
    p99: h.percentile(99) / 1e6,
  };
}

export async function runCameras(job: CamerasJob): Promise<CamerasRun> {
  const dir = scratchDir('seamline-bench-cameras-');
  const shared = new SharedDetector(await OnnxDetector.open({ model: job.model, threads: job.threads }));
  const cameras: Camera[] = [];
  try {
    for (let i = 1; i <= job.cameras; i++) cameras.push(await startCamera(job, `cam-${i}`, shared, dir));
    // The ceiling of this run: the same process, every bridge connected, nothing inferring.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await sleep(job.idleSeconds * 1000);
    idle.disable();
    for (const c of cameras) await c.pipeline.start();
    await sleep(job.warmupSeconds * 1000);
    const m = await measure(job, cameras);
    const shares = shared.stats();
    return {
      cameras: m.windows,
      elapsed_s: round(m.elapsed, 2),
      rss_mb_peak: round(Math.max(...m.rss), 1),
      rss_mb_median: round(median(m.rss), 1),
      rss_samples: m.rss.length,
      event_loop_p99_ms: round(m.p99, 1),
      event_loop_p99_idle_ms: round(idle.percentile(99) / 1e6, 1),
      model_ms_p50: round(shares.modelMsP50, 2),
      waits: Object.fromEntries(Object.entries(shares.cameras).map(([k, v]) => [k, { waits: v.waits, waitMs: v.waitMs }])),
    };
  } finally {
    await Promise.all(cameras.map((c) => c.pipeline.stop()));
    await shared.close();
    await Promise.all(cameras.map((c) => c.bridge.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

runAsChildEntry<CamerasJob>(import.meta.url, 'cameras worker', async (job) => {
  const run = await runCameras(job);
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
});
