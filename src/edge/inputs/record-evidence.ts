import { pino, type Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { cameraKey, isSeamError, type CameraId, type Detection, type ModelRef } from '../../contract/index.ts';
import { EvidenceCapture, type EvidenceCaptureOptions, type EvidenceCaptureStats } from '../evidence/capture.ts';
import type { Frame } from '../frames/frame-source.ts';
import { checkImageField, decodeRecordImage, DEFAULT_RECORD_IMAGE_BYTES, takeImage } from './record-image.ts';

export interface RecordImagesOptions {
  /** The capture's policy, encoder settings and sink (the edge's image queue); one capture per camera is made from them. */
  capture: Omit<EvidenceCaptureOptions, 'camera' | 'logger'>;
  /** The bridge's region, site and camera: a record that names none is theirs. */
  defaults: CameraId;
  /** Largest image a record may carry, decoded bytes (default 4 MiB). */
  maxImageBytes?: number;
  /** Images being decoded at once (default 2); a kept record arriving while this many decode is answered `busy`. */
  maxDecoding?: number;
  /** Cameras with a capture of their own (default 64); an image of one more camera is refused. */
  maxCameras?: number;
  logger?: Logger;
  /** The bridge's registry: `seamline_edge_evidence_record_images_total{client_id, outcome}`. */
  registry?: Registry;
  clientId?: string;
  /** Called for each image kept, before it is encoded: `seamline edge` connects the image transport at the first. */
  onKept?: () => void;
}

/** What became of a record's image, told to its producer beside `event_id` and `seq`. */
export type RecordImageAnswer =
  | { evidence: 'kept' | 'skipped' | 'busy' | 'off' }
  | { evidence: 'refused'; error: string; field: string; reason: string };

export interface RecordImageStats {
  /** Images decoded and handed to the capture (which encodes, caps and queues them: its own counts). */
  kept: number;
  /** Images the policy did not keep: never decoded. */
  skipped: number;
  /** Images of frames the policy kept while every decode or capture slot was busy: not decoded, the class stays due. */
  busy: number;
  /** Bad images (not base64, not a JPEG or PNG, over the cap, undecodable, not the frame's size): the event is kept. */
  refused: number;
}

/** Sums capture counts (the model pipeline's and the records' captures) for the heartbeat. */
export function sumCaptureStats(...all: (EvidenceCaptureStats | undefined)[]): EvidenceCaptureStats | undefined {
  const present = all.filter((s): s is EvidenceCaptureStats => s !== undefined);
  if (present.length === 0) return undefined;
  const sum: EvidenceCaptureStats = { captured: 0, skipped_by_policy: 0, busy: 0, not_accepted: 0, refused: 0, encode_errors: 0 };
  for (const s of present) for (const k of Object.keys(sum) as (keyof EvidenceCaptureStats)[]) sum[k] += s[k];
  return sum;
}

interface AcceptedRecord {
  region?: unknown;
  site?: unknown;
  camera?: unknown;
  captured_at: string;
  frame: { width: number; height: number };
  detections: Detection[];
  model?: ModelRef;
}

/**
 * Evidence from the images that HTTP and stdin records carry: the same capture as model frames (policy, crop
 * mode, downscale, size cap, image queue), asked after the bridge accepted the event. The policy is asked
 * first, on the record's detections and `captured_at`; only a kept frame's image is base64-decoded and decoded
 * (sharp, off the event loop), so a producer sending an image with every record costs a string check per record.
 */
export class RecordImages {
  private readonly captures = new Map<string, EvidenceCapture>();
  private readonly counts: RecordImageStats = { kept: 0, skipped: 0, busy: 0, refused: 0 };
  /** Largest image a record may carry, decoded bytes. */
  readonly maxImageBytes: number;
  private readonly maxDecoding: number;
  private readonly maxCameras: number;
  private readonly logger: Logger;
  private readonly metric?: Counter<'client_id' | 'outcome'>;
  private decoding = 0;
  private lastLog = 0;

  constructor(private readonly o: RecordImagesOptions) {
    this.maxImageBytes = o.maxImageBytes ?? DEFAULT_RECORD_IMAGE_BYTES;
    this.maxDecoding = o.maxDecoding ?? 2;
    this.maxCameras = o.maxCameras ?? 64;
    this.logger = o.logger ?? pino({ level: 'silent' });
    // One capture made now, so bad capture options fail at start, not at the first image.
    this.captureFor(o.defaults);
    if (o.registry) {
      this.metric = new Counter({
        name: 'seamline_edge_evidence_record_images_total',
        help: 'Images carried by HTTP/stdin records, by outcome: kept (decoded, captured), skipped (policy), busy, refused (bad image)',
        labelNames: ['client_id', 'outcome'],
        registers: [o.registry],
      });
      for (const outcome of ['kept', 'skipped', 'busy', 'refused']) this.metric.inc({ client_id: o.clientId ?? '', outcome }, 0);
    }
  }

  /**
   * The image of an accepted record: policy, then decode, then the capture (which encodes and queues in the
   * background). Never rejects; a bad image is refused with SEAM_ERR_INVALID_INPUT naming `image`.
   */
  async take(record: AcceptedRecord, image: unknown, accepted: { event_id: string; seq: number }): Promise<RecordImageAnswer> {
    let text: string;
    try {
      text = checkImageField(image, this.maxImageBytes);
    } catch (err) {
      return this.refused(err);
    }
    const camera = this.cameraOf(record);
    const capture = this.captureFor(camera);
    if (!capture) return this.refused(new Error(`is of camera ${cameraKey(camera)}, past ${this.maxCameras} cameras with images`));
    const capturedAt = Date.parse(record.captured_at);
    // Every decode slot taken: a frame the policy would keep is busy, and not marked captured, so its class stays due
    // (the question keep() asks first).
    if (this.decoding >= this.maxDecoding && capture.policy.decide(camera.camera, record.detections, capturedAt).capture) {
      return this.count('busy');
    }
    const { width, height } = record.frame;
    const stub: Frame = { index: 0, capturedAt, width, height, pixels: Buffer.alloc(0), pixelsWidth: width, pixelsHeight: height };
    const before = capture.stats().busy;
    const kept = capture.keep(stub, record.detections, record.model);
    if (!kept) return this.count(capture.stats().busy > before ? 'busy' : 'skipped');
    this.decoding++;
    let frame: Frame;
    try {
      frame = await decodeRecordImage(text, { width, height, capturedAt }, this.maxImageBytes);
    } catch (err) {
      return this.refused(err);
    } finally {
      this.decoding--;
    }
    this.o.onKept?.();
    capture.capture(kept, frame, Promise.resolve(accepted));
    return this.count('kept');
  }

  stats(): RecordImageStats {
    return { ...this.counts };
  }

  /** The record captures' counts summed over cameras. */
  captureStats(): EvidenceCaptureStats | undefined {
    return sumCaptureStats(...[...this.captures.values()].map((c) => c.stats()));
  }

  /** Resolves once every capture started so far has been encoded and offered. */
  async idle(): Promise<void> {
    await Promise.all([...this.captures.values()].map((c) => c.idle()));
  }

  private cameraOf(record: AcceptedRecord): CameraId {
    const d = this.o.defaults;
    const name = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
    return { region: name(record.region, d.region), site: name(record.site, d.site), camera: name(record.camera, d.camera) };
  }

  private captureFor(camera: CameraId): EvidenceCapture | undefined {
    const key = cameraKey(camera);
    let capture = this.captures.get(key);
    if (!capture && this.captures.size < this.maxCameras) {
      capture = new EvidenceCapture({ ...this.o.capture, camera, logger: this.logger });
      this.captures.set(key, capture);
    }
    return capture;
  }

  private count(outcome: 'kept' | 'skipped' | 'busy'): RecordImageAnswer {
    this.counts[outcome]++;
    this.metric?.inc({ client_id: this.o.clientId ?? '', outcome });
    return { evidence: outcome };
  }

  private refused(err: unknown): RecordImageAnswer {
    this.counts.refused++;
    this.metric?.inc({ client_id: this.o.clientId ?? '', outcome: 'refused' });
    const reason = isSeamError(err) ? err.message : `image ${(err as Error).message}`;
    const answer = { evidence: 'refused' as const, error: 'SEAM_ERR_INVALID_INPUT', field: 'image', reason };
    if (Date.now() - this.lastLog >= 1000) {
      this.lastLog = Date.now();
      this.logger.warn({ field: 'image', reason, ...this.counts }, 'record image refused; its event was accepted');
    }
    return answer;
  }
}

/**
 * One HTTP or stdin record into the bridge: the record without its `image` goes to `bridge.accept` (rejects as
 * before when the bridge refuses the event); then the image, if any, goes to `images`. The answer is the
 * bridge's `{event_id, seq}`, plus `evidence` (and `error`, `field`, `reason` when refused) for a record that
 * carried an image: `off` when record images are off (`--no-evidence`).
 */
export async function acceptRecord(
  bridge: { accept(input: unknown): Promise<{ event_id: string; seq: number }> },
  record: unknown,
  images: RecordImages | undefined,
): Promise<{ event_id: string; seq: number } & Partial<RecordImageAnswer>> {
  const { event, image } = takeImage(record);
  const accepted = await bridge.accept(event);
  if (image === undefined) return accepted;
  if (!images) return { ...accepted, evidence: 'off' };
  return { ...accepted, ...(await images.take(event as AcceptedRecord, image, accepted)) };
}
