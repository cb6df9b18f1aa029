import { seededRandom } from '../../plumbing/seeded-random.ts';
import type { DetectionSource, EdgeDetectionInput } from './detection-source.ts';

/** Classes a simulated inspection camera reports, with how often each appears among detections. */
export const SIMULATED_CLASSES = [
  { class: 'part', class_id: 0, weight: 70 },
  { class: 'scratch', class_id: 1, weight: 12 },
  { class: 'dent', class_id: 2, weight: 7 },
  { class: 'crack', class_id: 3, weight: 4 },
  { class: 'missing_screw', class_id: 4, weight: 4 },
  { class: 'discoloration', class_id: 5, weight: 3 },
] as const;
const TOTAL_WEIGHT = SIMULATED_CLASSES.reduce((s, c) => s + c.weight, 0);

export interface SimulatedCameraOptions {
  camera: string;
  /** Mean frames per second that produce an event (default 5). */
  eventsPerSecond?: number;
  /** Relative swing of the rate over `periodSeconds`, 0..1 (default 0.5): lines speed up and slow down. */
  rateSwing?: number;
  periodSeconds?: number;
  frame?: { width: number; height: number };
  model?: { name: string; version: string };
  /** Mean inference time, ms (default 22); the simulated network delay to the bridge is added on top. */
  inferenceMs?: number;
  /** Seeded PRNG so tests can reproduce a stream. */
  seed?: number;
}

/**
 * A camera plus detector that exists only in software: it produces plausible detection records
 * (several defect classes, a rate that drifts, inference jitter) and feeds them through the same
 * bridge a real camera uses.
 */
export class SimulatedCamera implements DetectionSource {
  private readonly rand: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly started = Date.now();
  frames = 0;
  failures = 0;

  constructor(private readonly options: SimulatedCameraOptions) {
    this.rand = seededRandom(options.seed ?? hash(options.camera));
  }

  /** One record as the detector would hand it over for a frame captured at `capturedMs`. */
  next(capturedMs = Date.now()): EdgeDetectionInput {
    const { width, height } = this.options.frame ?? { width: 1280, height: 720 };
    const inferMs = Math.max(3, (this.options.inferenceMs ?? 22) * (0.6 + this.rand() * 0.9 + (this.rand() < 0.02 ? 3 : 0)));
    const count = Math.floor(-Math.log(1 - this.rand()) * 1.4);
    const detections = Array.from({ length: Math.min(count, 12) }, () => {
      let pick = this.rand() * TOTAL_WEIGHT;
      const cls = SIMULATED_CLASSES.find((c) => (pick -= c.weight) < 0) ?? SIMULATED_CLASSES[0];
      const w = Math.round(20 + this.rand() * 200);
      const h = Math.round(20 + this.rand() * 200);
      return {
        class: cls.class,
        class_id: cls.class_id,
        confidence: Math.round((0.35 + this.rand() * 0.64) * 1000) / 1000,
        bbox: [Math.round(this.rand() * (width - w)), Math.round(this.rand() * (height - h)), w, h],
      };
    });
    return {
      camera: this.options.camera,
      captured_at: new Date(capturedMs).toISOString(),
      inferred_at: new Date(capturedMs + Math.round(inferMs)).toISOString(),
      model: this.options.model ?? { name: 'yolov8n-defects', version: '1.4.0' },
      frame: { width, height },
      detections,
    };
  }

  private intervalMs(): number {
    const base = this.options.eventsPerSecond ?? 5;
    const swing = this.options.rateSwing ?? 0.5;
    const period = (this.options.periodSeconds ?? 120) * 1000;
    const phase = ((Date.now() - this.started) / period) * 2 * Math.PI + (hash(this.options.camera) % 628) / 100;
    const rate = Math.max(0.05, base * (1 + swing * Math.sin(phase)));
    return -Math.log(1 - this.rand()) * (1000 / rate);
  }

  async start(sink: (input: EdgeDetectionInput) => Promise<unknown>): Promise<void> {
    this.running = true;
    const tick = () => {
      if (!this.running) return;
      this.frames++;
      const record = this.next();
      // The record reaches the bridge once inference is done, as it would from a real detector.
      const wait = Math.max(0, Date.parse(record.inferred_at) - Date.now());
      setTimeout(() => {
        if (!this.running) return;
        sink(record).catch(() => this.failures++);
      }, wait).unref();
      this.timer = setTimeout(tick, this.intervalMs());
    };
    this.timer = setTimeout(tick, this.intervalMs());
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
