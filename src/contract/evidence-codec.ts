import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { SeamError } from './errors.ts';
import {
  DEFAULT_MAX_EVIDENCE_BYTES,
  EVIDENCE_CONTENT_TYPE,
  EVIDENCE_V1,
  EvidenceV1Schema,
  type Evidence,
  type EvidenceV1,
} from './evidence.ts';
import { parseTopic } from './topics.ts';
import { assertValid, compile } from './validate.ts';

const validateHeader = compile<EvidenceV1>(EvidenceV1Schema);
const NEWLINE = 0x0a;
/** Every JPEG starts with SOI and a marker (FF D8 FF) and ends with EOI (FF D9); a cut-off one does not. */
const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);
const JPEG_END = Buffer.from([0xff, 0xd9]);

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the edge knows before the image is encoded; the codec adds the image's length and digest. */
export type EvidenceFields = Omit<EvidenceV1, 'schema_version' | 'image'> & { image: { width: number; height: number } };

/** The payload of one evidence message: header line, newline, image bytes. */
export function encodeEvidence(fields: EvidenceFields, jpeg: Uint8Array): Buffer {
  const header: EvidenceV1 = {
    schema_version: EVIDENCE_V1,
    ...fields,
    image: { content_type: EVIDENCE_CONTENT_TYPE, ...fields.image, bytes: jpeg.byteLength, sha256: sha256Hex(jpeg) },
  };
  return Buffer.concat([Buffer.from(JSON.stringify(header), 'utf8'), Buffer.from([NEWLINE]), jpeg]);
}

export type DecodedEvidence = { ok: true; evidence: Evidence } | { ok: false; error: SeamError };

const poison = (
  code: 'SEAM_ERR_MALFORMED_JSON' | 'SEAM_ERR_SCHEMA_VIOLATION' | 'SEAM_ERR_PAYLOAD_TOO_LARGE',
  message: string,
  field: string,
) => new SeamError(code, message, { field });

function parseHeader(payload: Buffer): { header: EvidenceV1; image: Buffer } {
  const end = payload.indexOf(NEWLINE);
  if (end < 0) throw poison('SEAM_ERR_MALFORMED_JSON', 'evidence payload has no newline after its JSON header', 'payload');
  const line = payload.subarray(0, end);
  if (!isUtf8(line)) throw poison('SEAM_ERR_MALFORMED_JSON', 'evidence header is not valid UTF-8', 'payload');
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch (cause) {
    throw new SeamError('SEAM_ERR_MALFORMED_JSON', `evidence header is not valid JSON: ${(cause as Error).message}`, {
      field: 'payload',
      cause,
    });
  }
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  if (typeof value === 'object' && value !== null && version !== EVIDENCE_V1) {
    const shown = version === undefined ? 'missing' : JSON.stringify(version);
    throw new SeamError(
      'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
      `schema_version ${shown} is not known on an evidence topic (this build reads ${EVIDENCE_V1})`,
      {
        field: 'schema_version',
      },
    );
  }
  assertValid(validateHeader, value, EVIDENCE_V1);
  return { header: value as EvidenceV1, image: payload.subarray(end + 1) };
}

/** The image is the one the header describes: its length, a whole JPEG, its digest. */
function checkImage(header: EvidenceV1, image: Buffer): void {
  if (image.byteLength !== header.image.bytes) {
    throw poison(
      'SEAM_ERR_SCHEMA_VIOLATION',
      `image.bytes says ${header.image.bytes} but ${image.byteLength} bytes follow the header`,
      'image.bytes',
    );
  }
  if (!image.subarray(0, 3).equals(JPEG_START) || !image.subarray(-2).equals(JPEG_END)) {
    throw poison('SEAM_ERR_SCHEMA_VIOLATION', 'image is not a whole JPEG (no FF D8 FF at the start or FF D9 at the end)', 'image');
  }
  const digest = sha256Hex(image);
  if (digest !== header.image.sha256) {
    throw poison(
      'SEAM_ERR_SCHEMA_VIOLATION',
      `image.sha256 ${header.image.sha256} does not match the image bytes (${digest})`,
      'image.sha256',
    );
  }
}

/**
 * Everything the consumer checks of an evidence message before it may store the image: size, topic, header,
 * the camera in both, and the image against the header's length and digest. Never throws: poison comes back
 * as `{ ok: false }` with a coded error naming the field, to be dead-lettered like any other.
 */
export function decodeEvidence(topic: string, payload: Buffer, maxBytes = DEFAULT_MAX_EVIDENCE_BYTES): DecodedEvidence {
  try {
    if (payload.byteLength > maxBytes) {
      throw poison('SEAM_ERR_PAYLOAD_TOO_LARGE', `evidence payload is ${payload.byteLength} bytes, the limit is ${maxBytes}`, 'payload');
    }
    const parsed = parseTopic(topic);
    if (parsed.kind !== 'evidence')
      throw new SeamError('SEAM_ERR_BAD_TOPIC', `topic "${topic}" is not an evidence topic`, { field: 'topic' });
    const { header, image } = parseHeader(payload);
    for (const field of ['region', 'site', 'camera'] as const) {
      if (header[field] !== parsed[field]) {
        throw new SeamError(
          'SEAM_ERR_TOPIC_MISMATCH',
          `${field} "${header[field]}" in the header differs from "${parsed[field]}" in the topic`,
          { field },
        );
      }
    }
    checkImage(header, image);
    return { ok: true, evidence: { header, image } };
  } catch (err) {
    if (err instanceof SeamError) return { ok: false, error: err };
    throw err;
  }
}
