import { SeamError, type EvidenceV1 } from '../../contract/index.ts';

const NEWLINE = Buffer.from([0x0a]);

/**
 * The evidence message with its header's `image_stream` set to this queue's stream and the image's number
 * (replacing any a producer put there: only the queue that stores the image can number it without a gap).
 * The image bytes are the same, so its digest still holds. Refused, naming `payload`, when the stamped message
 * would be over `maxBytes`.
 */
export function stampImage(header: EvidenceV1, image: Buffer, stream: { id: string; seq: number }, maxBytes: number): Buffer {
  const line = Buffer.from(JSON.stringify({ ...header, image_stream: { id: stream.id, seq: stream.seq } }), 'utf8');
  const length = line.byteLength + 1 + image.byteLength;
  if (length > maxBytes) {
    throw new SeamError(
      'SEAM_ERR_PAYLOAD_TOO_LARGE',
      `evidence offer: payload is ${length} bytes with its image_stream stamp, the limit is ${maxBytes}`,
      { field: 'payload' },
    );
  }
  return Buffer.concat([line, NEWLINE, image], length);
}
