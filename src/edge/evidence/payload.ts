import {
  DEFAULT_MAX_EVIDENCE_BYTES,
  IMAGE_STREAM_STAMP_BYTES,
  SeamError,
  encodeEvidence,
  type CameraId,
  type Detection,
  type ModelRef,
} from '../../contract/index.ts';
import type { EncodedImage } from './encoder.ts';

/** What ties an image to its event: the bridge's answer and the event's own fields. */
export interface EvidenceEvent {
  camera: CameraId;
  event_id: string;
  seq: number;
  captured_at: string;
  frame: { width: number; height: number };
  /** Every detection of the event, as it was published. */
  detections: Detection[];
  /** The event's model, when known. */
  model?: ModelRef;
}

export type EvidencePayload = { ok: true; payload: Buffer } | { ok: false; error: SeamError };

/**
 * The evidence.v1 message for an encoded image, or a refusal when the image or the whole message is over its
 * cap: SEAM_ERR_PAYLOAD_TOO_LARGE naming `image.bytes` or `payload`. Refused here, where it can be counted,
 * rather than by a broker that would drop it silently.
 */
export function evidencePayload(event: EvidenceEvent, image: EncodedImage, maxImageBytes: number): EvidencePayload {
  if (image.jpeg.byteLength > maxImageBytes) {
    const message = `image of event ${event.event_id} is ${image.jpeg.byteLength} bytes, the cap is ${maxImageBytes}`;
    return { ok: false, error: new SeamError('SEAM_ERR_PAYLOAD_TOO_LARGE', message, { field: 'image.bytes' }) };
  }
  const payload = encodeEvidence(
    {
      event_id: event.event_id,
      region: event.camera.region,
      site: event.camera.site,
      camera: event.camera.camera,
      seq: event.seq,
      captured_at: event.captured_at,
      frame: event.frame,
      detections: event.detections,
      ...(event.model ? { model: event.model } : {}),
      image: { width: image.width, height: image.height },
      masked: image.masked,
    },
    image.jpeg,
  );
  // Room for the queue's image_stream stamp: a message refused here is counted; one the queue refuses after is too, but later.
  const limit = DEFAULT_MAX_EVIDENCE_BYTES - IMAGE_STREAM_STAMP_BYTES;
  if (payload.byteLength > limit) {
    const message = `evidence message of event ${event.event_id} is ${payload.byteLength} bytes, the limit is ${limit} (the contract's ${DEFAULT_MAX_EVIDENCE_BYTES} less room for the queue's stamp)`;
    return { ok: false, error: new SeamError('SEAM_ERR_PAYLOAD_TOO_LARGE', message, { field: 'payload' }) };
  }
  return { ok: true, payload };
}
