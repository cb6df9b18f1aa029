import { DEFAULT_MAX_EVIDENCE_BYTES, SeamError, type Detection } from '../../contract/index.ts';
import type { Frame } from '../frames/frame-source.ts';
import { cropOverlay, DEFAULT_CROP_MARGIN, keptRegions, type CropMargin } from './mask.ts';
import { pictureRegion, scaledPicture } from './picture.ts';

export interface EvidenceEncoderOptions {
  /** Longest side of the image in pixels (default 1280: a 1080p frame is scaled down, 720p kept); never upscaled. */
  longSide?: number;
  /** JPEG quality 1..100 (default 80). */
  quality?: number;
  /** Crop mode: keep only the detected regions and their margin, everything else black (default false). */
  crop?: boolean;
  /** Crop mode's margin around each box (default 10% of the box's size, at least 16 frame pixels). */
  margin?: Partial<CropMargin>;
  /**
   * Largest image, in bytes (default 998,976: the contract's 1,000,000-byte message less 1,024 bytes for its
   * header line). A larger one is refused at capture and counted, never sent.
   */
  maxImageBytes?: number;
}

/** Room left in the message for its header line: the longest header (64-character names, largest seq and sizes) is 579 bytes. */
export const EVIDENCE_HEADER_ALLOWANCE = 1024;

export const DEFAULT_ENCODER = {
  longSide: 1280,
  quality: 80,
  crop: false,
  maxImageBytes: DEFAULT_MAX_EVIDENCE_BYTES - EVIDENCE_HEADER_ALLOWANCE,
} as const;

export interface EncodedImage {
  jpeg: Buffer;
  width: number;
  height: number;
  masked: boolean;
}

const bad = (field: string, reason: string) =>
  new SeamError('SEAM_ERR_CONFIG', `evidence.${field} ${reason}`, { field: `evidence.${field}` });

function integerIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw bad(field, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

/** The image's size: the picture scaled so its long side is at most `longSide`, never enlarged, aspect kept. */
export function imageSize(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A frame to a JPEG with sharp. libvips does the interleaving (planar frames), the cut out of a letterbox,
 * the scaling, the crop mask and the JPEG encoding on libuv's thread pool: the event loop only starts the
 * work and receives the bytes.
 */
export class EvidenceEncoder {
  readonly longSide: number;
  readonly quality: number;
  readonly crop: boolean;
  readonly margin: CropMargin;
  readonly maxImageBytes: number;

  constructor(options: EvidenceEncoderOptions = {}) {
    const d = DEFAULT_ENCODER;
    this.longSide = integerIn('longSide', options.longSide ?? d.longSide, 16, 16384);
    this.quality = integerIn('quality', options.quality ?? d.quality, 1, 100);
    this.crop = options.crop ?? d.crop;
    if (typeof this.crop !== 'boolean') throw bad('crop', 'must be true or false');
    this.margin = { ...DEFAULT_CROP_MARGIN, ...options.margin };
    if (!(this.margin.fraction >= 0 && this.margin.fraction <= 10)) throw bad('margin.fraction', 'must be a number from 0 to 10');
    if (!(this.margin.minPixels >= 0 && this.margin.minPixels <= 16384)) throw bad('margin.minPixels', 'must be a number from 0 to 16384');
    this.maxImageBytes = integerIn('maxImageBytes', options.maxImageBytes ?? d.maxImageBytes, 4, DEFAULT_MAX_EVIDENCE_BYTES);
  }

  /** The JPEG of `frame`; in crop mode only `boxes` (frame pixels) and their margins are left visible. */
  async encode(frame: Frame, boxes: readonly Detection[]): Promise<EncodedImage> {
    const region = pictureRegion(frame);
    const size = imageSize(region.width, region.height, this.longSide);
    const overlay = this.crop ? cropOverlay(size.width, size.height, keptRegions(boxes, frame, size, this.margin)) : undefined;
    const image = await scaledPicture(frame, region, size, overlay);
    const { data, info } = await image.jpeg({ quality: this.quality }).toBuffer({ resolveWithObject: true });
    return { jpeg: data, width: info.width, height: info.height, masked: this.crop };
  }
}
