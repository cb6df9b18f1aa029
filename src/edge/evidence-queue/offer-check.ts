import {
  EVIDENCE_V1,
  EvidenceV1Schema,
  SeamError,
  assertValid,
  compile,
  evidenceTopic,
  isSeamError,
  type EvidenceV1,
} from '../../contract/index.ts';

/** What the capture side says of an image it offers (the EvidenceSink's `meta`). */
export interface OfferMeta {
  event_id: string;
  camera: string;
  bytes: number;
}

const validateHeader = compile<EvidenceV1>(EvidenceV1Schema);
const NEWLINE = 0x0a;
/** A header is a few hundred bytes; looking further for its newline would scan the image. */
const MAX_HEADER_BYTES = 4096;

const refuse = (field: string, reason: string) => new SeamError('SEAM_ERR_INVALID_INPUT', `evidence offer: ${field} ${reason}`, { field });

/** The header line, checked against evidence.v1, and how many bytes follow it. */
function parseHeader(payload: Buffer): { header: EvidenceV1; imageStart: number } {
  const end = payload.subarray(0, MAX_HEADER_BYTES).indexOf(NEWLINE);
  if (end < 0) throw refuse('payload', `has no newline in its first ${MAX_HEADER_BYTES} bytes: not an evidence.v1 message`);
  let header: unknown;
  try {
    header = JSON.parse(payload.subarray(0, end).toString('utf8'));
  } catch (cause) {
    throw new SeamError('SEAM_ERR_INVALID_INPUT', `evidence offer: header is not JSON (${(cause as Error).message})`, {
      field: 'payload',
      cause,
    });
  }
  try {
    assertValid(validateHeader, header, EVIDENCE_V1);
  } catch (err) {
    // Same field and reason as the consumer would give, under the edge's code for a producer's mistake.
    if (isSeamError(err)) throw new SeamError('SEAM_ERR_INVALID_INPUT', `evidence offer: ${err.message}`, { field: err.field });
    throw err;
  }
  return { header, imageStart: end + 1 };
}

/**
 * The checks an offered image passes before it takes queue space, all on its header line (a few hundred
 * bytes): the image's digest is left to the consumer, which verifies every message anyway, so an offer costs
 * microseconds whatever the image's size. Returns the topic to publish on; throws SEAM_ERR_INVALID_INPUT or
 * SEAM_ERR_PAYLOAD_TOO_LARGE naming the field.
 */
export function checkOffer(
  payload: unknown,
  meta: OfferMeta | undefined,
  maxMessageBytes: number,
): { topic: string; header: EvidenceV1; image: Buffer } {
  if (!Buffer.isBuffer(payload)) throw refuse('payload', 'must be a Buffer');
  if (typeof meta !== 'object' || meta === null) throw refuse('meta', 'is required');
  if (payload.byteLength > maxMessageBytes) {
    throw new SeamError(
      'SEAM_ERR_PAYLOAD_TOO_LARGE',
      `evidence offer: payload is ${payload.byteLength} bytes, the limit is ${maxMessageBytes}`,
      { field: 'payload' },
    );
  }
  if (meta.bytes !== payload.byteLength) throw refuse('meta.bytes', `says ${meta.bytes} but the payload is ${payload.byteLength} bytes`);
  const { header, imageStart } = parseHeader(payload);
  const imageBytes = payload.byteLength - imageStart;
  if (imageBytes !== header.image.bytes)
    throw refuse('image.bytes', `says ${header.image.bytes} but ${imageBytes} bytes follow the header`);
  if (header.event_id !== meta.event_id) throw refuse('meta.event_id', `"${meta.event_id}" differs from the header's "${header.event_id}"`);
  if (header.camera !== meta.camera) throw refuse('meta.camera', `"${meta.camera}" differs from the header's "${header.camera}"`);
  // The header's identifiers passed the schema, so the topic cannot be refused.
  return { topic: evidenceTopic(header), header, image: payload.subarray(imageStart) };
}
