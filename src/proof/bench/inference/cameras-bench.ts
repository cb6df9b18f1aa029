/**
 * `seamline bench inference --cameras N`: the multi-camera shape of `seamline edge --cameras` measured twice,
 * one camera and then N, each in a child process of its own (cameras-worker.ts) so resident memory is that
 * configuration's alone. Issue 26 asks of eight cameras at 5 fps: per-camera fps within 10% of each other,
 * skipped frames counted, resident memory at most 1.5x that of one camera, event-loop p99 within 20 ms.
 */
import { runJsonWorker } from '../../../plumbing/children.ts';
import { workerModule } from '../../../plumbing/modules.ts';
import type { CamerasJob, CamerasRun, CameraWindow } from './cameras-worker.ts';

// Local, not ../percentile.ts: inference-bench.ts there imports this folder, and folders do not import back.
export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

const WORKER = workerModule('proof/bench/inference/cameras-worker').pathname;

export interface CamerasBenchOptions {
  url: string;
  protocol: 4 | 5;
  model: string;
  threads: number;
  cameras: number;
  /** Measured seconds of each configuration. */
  seconds: number;
  /** Frames per second of each synthetic camera (default 5). */
  fps?: number;
  idleSeconds?: number;
  warmupSeconds?: number;
  progress?: (line: string) => void;
}

/** What goes under `cameras` in the bench's JSON. */
export interface CamerasResult {
  cameras: number;
  source_fps: number;
  seconds: number;
  /** Per camera of the N-camera run: fps (frames inferred / elapsed), frames inferred, read and skipped. */
  per_camera: Record<string, Omit<CameraWindow, 'camera'>>;
  fps_min: number;
  fps_max: number;
  /** max / min - 1 of the per-camera fps; null when a camera inferred nothing. */
  fps_spread: number | null;
  /** Frames dropped over the window, all cameras together (each camera's own in per_camera). */
  frames_skipped: number;
  one_camera_fps: number;
  rss_mb_1: { peak: number; median: number };
  rss_mb_n: { peak: number; median: number };
  /** rss_mb_n / rss_mb_1, of the peaks and of the medians. */
  rss_ratio: number;
  rss_ratio_median: number;
  event_loop_p99_ms: number;
  event_loop_p99_idle_ms: number;
  one_camera_event_loop_p99_ms: number;
  model_ms_p50: number;
  one_camera_model_ms_p50: number;
  /** Per camera, since its pipeline started (warm-up included): requests that waited for the shared model, ms waited in all. */
  waits: CamerasRun['waits'];
}

/** Runs one configuration in its own process and resolves with the JSON line it printed last. */
export const camerasInWorker = (job: CamerasJob): Promise<CamerasRun> =>
  runJsonWorker<CamerasRun>(WORKER, job, `cameras worker (${job.cameras} cameras)`);

/** The figures of the N-camera run set against the one-camera run. */
export function summarize(o: { cameras: number; fps: number; seconds: number }, one: CamerasRun, many: CamerasRun): CamerasResult {
  const fps = many.cameras.map((c) => c.fps);
  const [min, max] = [Math.min(...fps), Math.max(...fps)];
  return {
    cameras: o.cameras,
    source_fps: o.fps,
    seconds: o.seconds,
    per_camera: Object.fromEntries(many.cameras.map(({ camera, ...rest }) => [camera, rest])),
    fps_min: min,
    fps_max: max,
    fps_spread: min > 0 ? round(max / min - 1, 3) : null,
    frames_skipped: many.cameras.reduce((a, c) => a + c.frames_skipped, 0),
    one_camera_fps: one.cameras[0]?.fps ?? 0,
    rss_mb_1: { peak: one.rss_mb_peak, median: one.rss_mb_median },
    rss_mb_n: { peak: many.rss_mb_peak, median: many.rss_mb_median },
    rss_ratio: round(many.rss_mb_peak / one.rss_mb_peak, 2),
    rss_ratio_median: round(many.rss_mb_median / one.rss_mb_median, 2),
    event_loop_p99_ms: many.event_loop_p99_ms,
    event_loop_p99_idle_ms: many.event_loop_p99_idle_ms,
    one_camera_event_loop_p99_ms: one.event_loop_p99_ms,
    model_ms_p50: many.model_ms_p50,
    one_camera_model_ms_p50: one.model_ms_p50,
    waits: many.waits,
  };
}

/** One camera, then N, each `seconds` long after an idle baseline and a warm-up. */
export async function runCamerasBench(o: CamerasBenchOptions): Promise<CamerasResult> {
  const log = o.progress ?? (() => {});
  const fps = o.fps ?? 5;
  const job = (cameras: number): CamerasJob => ({
    url: o.url,
    protocol: o.protocol,
    model: o.model,
    threads: o.threads,
    cameras,
    fps,
    seconds: o.seconds,
    idleSeconds: o.idleSeconds ?? 3,
    warmupSeconds: o.warmupSeconds ?? 1.5,
  });
  log(`cameras: 1 synthetic camera at ${fps} fps, shared detector, own bridge, ${o.seconds} s in its own process`);
  const one = await camerasInWorker(job(1));
  log(`cameras: ${o.cameras} synthetic cameras at ${fps} fps each on one shared detector, ${o.seconds} s in one process`);
  const many = await camerasInWorker(job(o.cameras));
  return summarize({ cameras: o.cameras, fps, seconds: o.seconds }, one, many);
}

/** The result as rows under the bench's table: the overall figures, then one row per camera. */
export function camerasLines(r: CamerasResult): string[] {
  const rows: [string, string][] = [
    ['cameras', `${r.cameras} synthetic at ${r.source_fps} fps each, one shared model, ${r.seconds} s measured`],
    ['fps per camera', `min ${r.fps_min}, max ${r.fps_max}, spread ${r.fps_spread ?? '—'} (one camera alone: ${r.one_camera_fps})`],
    ['frames skipped', `${r.frames_skipped} (all cameras, over the window)`],
    ['rss MB 1 camera', `peak ${r.rss_mb_1.peak}, median ${r.rss_mb_1.median}`],
    [`rss MB ${r.cameras} cameras`, `peak ${r.rss_mb_n.peak}, median ${r.rss_mb_n.median}`],
    ['rss ratio', `${r.rss_ratio} (peaks), ${r.rss_ratio_median} (medians)`],
    ['event loop p99 ms', `${r.event_loop_p99_ms} (idle ${r.event_loop_p99_idle_ms}; one camera ${r.one_camera_event_loop_p99_ms})`],
    ['model ms p50', `${r.model_ms_p50} (one camera ${r.one_camera_model_ms_p50})`],
    ...Object.entries(r.per_camera).map(([name, c]): [string, string] => [
      `  ${name}`,
      `fps ${c.fps}, inferred ${c.frames_inferred}, read ${c.frames_read}, skipped ${c.frames_skipped}, waits ${r.waits[name]?.waits ?? 0}`,
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['cameras (one process, one shared model)', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}
