import type { OutputInfo } from 'sharp';
import { DEFAULT_MAX_PAYLOAD_BYTES, SeamError } from '../../contract/index.ts';
import type { Frame } from '../frames/frame-source.ts';

/**
 * The optional `image` of an HTTP or stdin record: the frame the detections were made on, as base64 JPEG or
 * PNG (plain base64, or a `data:image/jpeg;base64,` / `data:image/png;base64,` URL). The boxes are in the
 * record's `frame` pixels, so the image must be exactly `frame.width` x `frame.height`.
 */

/** Largest image a record may carry, decoded bytes (4 MiB: a 1920x1080 PNG of a camera scene fits). */
export const DEFAULT_RECORD_IMAGE_BYTES = 4 * 1024 * 1024;

const DATA_URL = /^data:image\/(?:jpeg|png);base64,/;
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Base64 characters of an image of `bytes` bytes, with room for a data URL's prefix. */
export const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4 + 32;

/**
 * Largest request body (HTTP) or line (stdin) when records may carry an image: the image's base64 plus a
 * record at the payload limit plus the bridge's fields.
 */
export const recordWithImageBytes = (maxImageBytes = DEFAULT_RECORD_IMAGE_BYTES) =>
  base64Length(maxImageBytes) + DEFAULT_MAX_PAYLOAD_BYTES + 4096;

const refuse = (reason: string) => new SeamError('SEAM_ERR_INVALID_INPUT', `image ${reason}`, { field: 'image' });

/**
 * Splits a parsed record into the event (the record without `image`, for `bridge.accept`) and the image
 * field as it came (undefined when the record has none, or `null`). A record that is not an object is passed as is.
 */
export function takeImage(record: unknown): { event: unknown; image: unknown } {
  if (typeof record !== 'object' || record === null || Array.isArray(record) || !('image' in record)) {
    return { event: record, image: undefined };
  }
  const { image, ...event } = record as Record<string, unknown>;
  return { event, image: image === null ? undefined : image };
}

/**
 * The checks that cost nothing (type and length), made on every record that carries an image. Returns the
 * base64 text without a data URL prefix; throws SEAM_ERR_INVALID_INPUT naming `image`.
 */
export function checkImageField(image: unknown, maxImageBytes: number): string {
  if (typeof image !== 'string') throw refuse('must be a base64 string of a JPEG or PNG');
  const text = image.replace(DATA_URL, '');
  if (text.length > base64Length(maxImageBytes)) {
    throw refuse(`is larger than ${maxImageBytes} bytes (${text.length} base64 characters)`);
  }
  if (text.length === 0) throw refuse('is empty');
  return text;
}

/**
 * Decodes a checked image into the raw RGB frame the evidence capture takes (interleaved, `hwc`, owned by the
 * caller). The base64 is decoded here, only for a frame the policy keeps; the JPEG/PNG decoding runs in sharp on
 * libuv's thread pool. Throws SEAM_ERR_INVALID_INPUT naming `image` when it is not base64, not a JPEG or PNG,
 * over the cap, not decodable, or not `frame.width` x `frame.height`.
 */
export async function decodeRecordImage(
  text: string,
  frame: { width: number; height: number; capturedAt: number },
  maxImageBytes: number,
): Promise<Frame> {
  // Node's decoder skips what is not base64, so a whole decode is the check (a regex over megabytes took 20-30 ms
  // of the event loop; the decode takes well under 1 ms).
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (text.length % 4 !== 0 || bytes.byteLength !== (text.length / 4) * 3 - padding) throw refuse('is not valid base64');
  if (bytes.byteLength > maxImageBytes) throw refuse(`is larger than ${maxImageBytes} bytes (${bytes.byteLength})`);
  const isJpeg = bytes.subarray(0, 3).equals(JPEG_MAGIC);
  if (!isJpeg && !bytes.subarray(0, 8).equals(PNG_MAGIC)) throw refuse('is not a JPEG or PNG');
  const { width, height } = frame;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // sharp (native) loads with the first record image, not with the edge's --help.
    const { default: sharp } = await import('sharp');
    // The header first (no pixels decoded); then the pixels, never more than the frame's.
    const meta = await sharp(bytes).metadata();
    if (meta.width !== width || meta.height !== height) {
      throw refuse(`is ${meta.width}x${meta.height}, not the record's frame ${width}x${height} (the boxes are in frame pixels)`);
    }
    decoded = await sharp(bytes, { limitInputPixels: width * height, failOn: 'warning' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof SeamError) throw err;
    throw refuse(`cannot be decoded as ${isJpeg ? 'JPEG' : 'PNG'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const { data, info } = decoded;
  if (info.width !== width || info.height !== height || info.channels !== 3 || data.byteLength !== width * height * 3) {
    throw refuse(`decoded to ${info.width}x${info.height}x${info.channels}, not ${width}x${height} RGB`);
  }
  return { index: 0, capturedAt: frame.capturedAt, width, height, pixels: data, pixelsWidth: width, pixelsHeight: height };
}
