import { pino, type Logger } from 'pino';
import type { DetectionResult, Detector } from './detector/detector.ts';
import type { EdgeDetectionInput } from './bridge/record.ts';
import { EvidenceCapture, type EvidenceCaptureOptions, type EvidenceCaptureStats } from './evidence/capture.ts';
import { recyclePixels } from './frames/frame-pool.ts';
import type { Frame, FrameSource } from './frames/frame-source.ts';
import { SeamError, type InferenceCounters } from '../contract/index.ts';

export interface CameraPipelineOptions {
  source: FrameSource;
  detector: Detector;
  /** Where each frame's detections go: `bridge.accept`. Resolves once durable; rejects when refused. */
  sink: (input: EdgeDetectionInput) => Promise<unknown>;
  /** Camera of the events (default: the bridge's own). */
  camera?: string;
  /** Frames held while the detector is busy (default 1). When full, the oldest waiting frame is dropped and counted. */
  maxWaiting?: number;
  /** Accepts awaiting durability at once (default 32); past it, inference waits for the disk. */
  maxPendingAccepts?: number;
  logger?: Logger;
  /** Called with every frame's result (after it was handed to the sink); for `detect`, tests and the bench. */
  onResult?: (frame: Frame, result: DetectionResult) => void;
  /** Evidence capture (src/edge/evidence/): keeps JPEGs of frames its policy picks. Off when absent. */
  evidence?: EvidenceCaptureOptions;
}

export interface CameraPipelineStats extends InferenceCounters {
  /** Frames whose model run failed (logged, counted, the pipeline goes on). */
  inference_errors: number;
  /** Events the bridge refused (invalid, or outbox full under reject-new). */
  refused: number;
  /** Evidence capture's counts, when capture is on. */
  evidence?: EvidenceCaptureStats;
}

/**
 * frames -> detector -> bridge for one camera. The source is never held back: a live stream cannot wait, so
 * when the model is slower than the source, the oldest waiting frame is dropped (Frigate's skipped_fps) and
 * memory stays bounded at `maxWaiting` frames. `captured_at` comes from the frame, `inferred_at` is when the
 * model output was decoded into boxes.
 */
export class CameraPipeline {
  private readonly waiting: Frame[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly logger: Logger;
  private readonly maxWaiting: number;
  private readonly maxPending: number;
  private counts = { inferred: 0, skipped: 0, errors: 0, refused: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private lastErrorLog = 0;
  private resolveDone!: () => void;
  /** Resolves when a finite source (file, folder) has ended and every frame it delivered is through. */
  readonly done: Promise<void>;
  private sourceEnded = false;
  private readonly capture: EvidenceCapture | undefined;

  constructor(private readonly o: CameraPipelineOptions) {
    this.logger = o.logger ?? pino({ level: 'silent' });
    if (o.evidence && o.camera !== undefined && o.camera !== o.evidence.camera.camera) {
      throw new SeamError('SEAM_ERR_CONFIG', `evidence.camera "${o.evidence.camera.camera}" is not the events' camera "${o.camera}"`, {
        field: 'evidence.camera',
      });
    }
    this.capture = o.evidence ? new EvidenceCapture({ logger: this.logger, ...o.evidence }) : undefined;
    this.maxWaiting = Math.max(1, o.maxWaiting ?? 1);
    this.maxPending = Math.max(1, o.maxPendingAccepts ?? 32);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  async start(): Promise<void> {
    this.running = true;
    await this.o.source.start((frame) => this.offer(frame));
    void this.o.source.done.then(() => {
      this.sourceEnded = true;
      this.kick();
    });
  }

  private offer(frame: Frame): void {
    if (!this.running) return;
    this.waiting.push(frame);
    while (this.waiting.length > this.maxWaiting) {
      // The pipeline owns the frames it is given: a dropped one's pixels are reused by the source.
      recyclePixels(this.waiting.shift()!.pixels);
      this.counts.skipped++;
    }
    this.kick();
  }

  private kick(): void {
    if (this.loop) return;
    if (this.waiting.length === 0) {
      if (this.sourceEnded) void this.settled().then(() => this.resolveDone());
      return;
    }
    this.loop = this.drain().finally(() => {
      this.loop = undefined;
      if (this.running) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.running && this.waiting.length > 0) {
      const frame = this.waiting.shift()!;
      let result: DetectionResult;
      try {
        // With capture on, the detector hands the pixel buffer back instead of recycling it (no copy).
        result = await this.o.detector.detect(frame, { returnPixels: this.capture !== undefined });
      } catch (err) {
        this.counts.errors++;
        this.logRateLimited({ err: (err as Error).message, frame: frame.index }, 'inference failed; frame skipped');
        continue;
      }
      this.counts.inferred++;
      const { model } = this.o.detector;
      const input: EdgeDetectionInput = {
        ...(this.o.camera ? { camera: this.o.camera } : {}),
        captured_at: new Date(frame.capturedAt).toISOString(),
        inferred_at: new Date(Math.max(result.inferredAt, frame.capturedAt)).toISOString(),
        model: { name: model.name, version: model.version },
        frame: { width: frame.width, height: frame.height },
        detections: result.detections,
      };
      const acceptance = this.o.sink(input);
      const accepted = acceptance.catch((err: Error) => {
        this.counts.refused++;
        this.logRateLimited({ err: err.message }, 'bridge refused a detection event');
      });
      this.pending.add(accepted);
      void accepted.finally(() => this.pending.delete(accepted));
      if (result.pixels) this.keepEvidence(frame, result, acceptance);
      this.o.onResult?.(frame, result);
      if (this.pending.size >= this.maxPending) await Promise.race(this.pending);
    }
  }

  /** Captures the frame when the policy keeps it (the capture then owns the pixels), else recycles them now. */
  private keepEvidence(frame: Frame, result: DetectionResult, acceptance: Promise<unknown>): void {
    const pixels = result.pixels!;
    const kept = this.capture?.keep(frame, result.detections, this.o.detector.model);
    if (kept) this.capture!.capture(kept, { ...frame, pixels }, acceptance);
    else recyclePixels(pixels);
  }

  /** Every accept answered and every capture finished. */
  private async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.capture?.idle();
  }

  private logRateLimited(fields: object, msg: string): void {
    if (Date.now() - this.lastErrorLog < 1000) return;
    this.lastErrorLog = Date.now();
    this.logger.warn({ ...fields, ...this.stats() }, msg);
  }

  stats(): CameraPipelineStats {
    const s = this.o.source.stats();
    return {
      frames_read: s.framesRead,
      frames_inferred: this.counts.inferred,
      frames_skipped: this.counts.skipped,
      source_restarts: s.restarts,
      model_ms_p50: this.o.detector.stats().modelMsP50,
      inference_errors: this.counts.errors,
      refused: this.counts.refused,
      ...(this.capture ? { evidence: this.capture.stats() } : {}),
    };
  }

  /** Just the status.v1 heartbeat fields (the bridge's `statusExtra`). */
  statusCounters(): InferenceCounters {
    const { frames_read, frames_inferred, frames_skipped, source_restarts, model_ms_p50 } = this.stats();
    return { frames_read, frames_inferred, frames_skipped, source_restarts, model_ms_p50 };
  }

  /** Stops the source, lets the frame in the model finish, waits for its accept; waiting frames are dropped (counted). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.o.source.stop();
    this.running = false;
    this.counts.skipped += this.waiting.length;
    for (const f of this.waiting) recyclePixels(f.pixels);
    this.waiting.length = 0;
    await this.loop;
    await this.settled();
    this.resolveDone();
  }
}
