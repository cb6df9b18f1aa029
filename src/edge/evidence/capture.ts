import { pino, type Logger } from 'pino';
import { SeamError, type CameraId, type Detection, type ModelRef } from '../../contract/index.ts';
import { recyclePixels } from '../frames/frame-pool.ts';
import type { Frame } from '../frames/frame-source.ts';
import { EvidenceEncoder, type EvidenceEncoderOptions } from './encoder.ts';
import { evidencePayload } from './payload.ts';
import { CapturePolicy, type CaptureDecision, type CapturePolicyOptions } from './policy.ts';
import type { EvidenceSink } from './sink.ts';

export interface EvidenceCaptureOptions extends CapturePolicyOptions, EvidenceEncoderOptions {
  /** The camera of the events (region, site, camera): the evidence messages carry the same. */
  camera: CameraId;
  /** Where finished payloads go (the edge's image queue). */
  sink: EvidenceSink;
  /**
   * Captures being encoded at once (default 2). Each holds one frame's pixels; a frame the policy keeps
   * while this many are busy is not captured (counted `busy`) and its class stays due for the next frame.
   */
  maxInFlight?: number;
  logger?: Logger;
}

export interface EvidenceCaptureStats {
  /** Images encoded and offered to the sink. */
  captured: number;
  /** Frames the policy did not keep (no qualifying class due). */
  skipped_by_policy: number;
  /** Frames the policy kept while `maxInFlight` captures were running. */
  busy: number;
  /** Kept frames whose event the bridge refused: no event, no image. */
  not_accepted: number;
  /** Images over the size cap: refused at capture, never sent. */
  refused: number;
  /** Frames that could not be encoded (bad pixels, libvips failure), or a sink that threw. */
  encode_errors: number;
}

/** A frame the policy kept, waiting for its pixels and its event's acceptance. */
export interface KeptFrame {
  decision: CaptureDecision;
  boxes: Detection[];
  /** Every detection of the frame's event: the image's header repeats them. */
  detections: Detection[];
  /** The event's model, when its source names one: the header repeats it for a training export's filter. */
  model?: ModelRef;
}

/** The bridge's answer to an accept: the event's identity. Anything else means the event does not exist. */
function acceptedEvent(value: unknown): { event_id: string; seq: number } | undefined {
  const v = value as { event_id?: unknown; seq?: unknown } | null | undefined;
  return typeof v?.event_id === 'string' && typeof v.seq === 'number' ? { event_id: v.event_id, seq: v.seq } : undefined;
}

/**
 * Evidence capture for one camera pipeline: asks the policy about each inferred frame (`keep`, synchronous,
 * on the frame's capture time), and for a kept frame waits for the bridge to accept its event, encodes the
 * pixels off the event loop and offers the payload to the sink (`capture`). Memory is bounded by the policy's
 * (camera, class) pairs and `maxInFlight` held frames; the pixels are recycled once encoded.
 */
export class EvidenceCapture {
  readonly policy: CapturePolicy;
  readonly encoder: EvidenceEncoder;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  private readonly running = new Set<Promise<void>>();
  private readonly counts: EvidenceCaptureStats = {
    captured: 0,
    skipped_by_policy: 0,
    busy: 0,
    not_accepted: 0,
    refused: 0,
    encode_errors: 0,
  };
  private lastLog = 0;

  constructor(private readonly o: EvidenceCaptureOptions) {
    this.policy = new CapturePolicy(o);
    this.encoder = new EvidenceEncoder(o);
    this.logger = o.logger ?? pino({ level: 'silent' });
    const n = o.maxInFlight ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new SeamError('SEAM_ERR_CONFIG', `evidence.maxInFlight must be an integer from 1 to 64, got ${String(n)}`, {
        field: 'evidence.maxInFlight',
      });
    }
    this.maxInFlight = n;
  }

  get camera(): CameraId {
    return this.o.camera;
  }

  /** Whether to keep this frame: the policy's answer, unless every capture slot is busy. Marks it captured when kept. */
  keep(frame: Frame, detections: readonly Detection[], model?: ModelRef): KeptFrame | undefined {
    const decision = this.policy.decide(this.o.camera.camera, detections, frame.capturedAt);
    if (!decision.capture) {
      this.counts.skipped_by_policy++;
      return undefined;
    }
    if (this.running.size >= this.maxInFlight) {
      this.counts.busy++;
      return undefined;
    }
    this.policy.markCaptured(this.o.camera.camera, decision, frame.capturedAt);
    const shown = new Set(decision.classes);
    const boxes = detections.filter((d) => shown.has(d.class) && d.confidence >= this.policy.minConfidence);
    return { decision, boxes, detections: [...detections], ...(model ? { model: { name: model.name, version: model.version } } : {}) };
  }

  /**
   * Encodes a kept frame once its event is accepted and offers it to the sink. Takes ownership of
   * `frame.pixels` (recycled when done). Never rejects: every outcome is counted.
   */
  capture(kept: KeptFrame, frame: Frame, acceptance: Promise<unknown>): void {
    const job = this.run(kept, frame, acceptance).finally(() => {
      recyclePixels(frame.pixels);
      this.running.delete(job);
    });
    this.running.add(job);
  }

  private async run(kept: KeptFrame, frame: Frame, acceptance: Promise<unknown>): Promise<void> {
    const event = acceptedEvent(await acceptance.catch(() => undefined));
    if (!event) {
      this.counts.not_accepted++;
      return;
    }
    try {
      const image = await this.encoder.encode(frame, kept.boxes);
      const built = evidencePayload(
        {
          camera: this.o.camera,
          ...event,
          captured_at: new Date(frame.capturedAt).toISOString(),
          frame: { width: frame.width, height: frame.height },
          detections: kept.detections,
          model: kept.model,
        },
        image,
        this.encoder.maxImageBytes,
      );
      if (!built.ok) {
        this.counts.refused++;
        this.warn({ err: built.error.message, field: built.error.field }, 'evidence image over its cap; not sent');
        return;
      }
      this.o.sink.offer(built.payload, { event_id: event.event_id, camera: this.o.camera.camera, bytes: built.payload.byteLength });
      this.counts.captured++;
    } catch (err) {
      this.counts.encode_errors++;
      this.warn({ err: (err as Error).message, field: (err as SeamError).field }, 'evidence capture failed; frame not kept');
    }
  }

  /** Resolves once every capture started so far has finished (the pipeline's stop and end of a finite source). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  stats(): EvidenceCaptureStats {
    return { ...this.counts };
  }

  private warn(fields: object, msg: string): void {
    if (Date.now() - this.lastLog < 1000) return;
    this.lastLog = Date.now();
    this.logger.warn({ ...fields, ...this.counts }, msg);
  }
}
