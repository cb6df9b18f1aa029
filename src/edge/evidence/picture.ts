import sharp from 'sharp';
import { SeamError } from '../../contract/index.ts';
import type { Frame } from '../frames/frame-source.ts';

/** The part of a frame's pixels that is the picture, and its size in those pixels. */
export interface Picture {
  /** Interleaved RGB (`hwc`) pixels of the whole buffer, `bufferWidth` x `bufferHeight`. */
  rgb: Buffer;
  bufferWidth: number;
  bufferHeight: number;
  /** Where the picture is inside the buffer: all of it, or the inner region of a letterboxed frame. */
  region: { left: number; top: number; width: number; height: number };
}

const invalid = (field: string, reason: string) => new SeamError('SEAM_ERR_INVALID_INPUT', `${field} ${reason}`, { field });

/** The inner region of a letterboxed buffer (the frame, scaled), or the whole buffer when not letterboxed. */
function regionOf(frame: Frame): Picture['region'] {
  const lb = frame.letterbox;
  if (!lb) return { left: 0, top: 0, width: frame.pixelsWidth, height: frame.pixelsHeight };
  const region = { left: lb.padLeft, top: lb.padTop, width: lb.innerWidth, height: lb.innerHeight };
  const inside =
    [region.left, region.top, region.width, region.height].every(Number.isInteger) &&
    region.left >= 0 &&
    region.top >= 0 &&
    region.width >= 1 &&
    region.height >= 1 &&
    region.left + region.width <= frame.pixelsWidth &&
    region.top + region.height <= frame.pixelsHeight;
  if (!inside)
    throw invalid('frame.letterbox', `inner region ${JSON.stringify(region)} is not inside ${frame.pixelsWidth}x${frame.pixelsHeight}`);
  return region;
}

/**
 * The frame's picture as interleaved RGB. `hwc` pixels are used as they are (no copy); planar `chw` pixels
 * are interleaved by libvips (a band join on its thread pool), never by a loop on the event loop.
 */
export async function pictureOf(frame: Frame): Promise<Picture> {
  const w = frame.pixelsWidth;
  const h = frame.pixelsHeight;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw invalid('frame.pixelsWidth', `${w}x${h} is not a pixel size`);
  }
  const plane = w * h;
  if (frame.pixels.byteLength !== plane * 3) {
    throw invalid('frame.pixels', `holds ${frame.pixels.byteLength} bytes, ${w}x${h} RGB needs ${plane * 3}`);
  }
  const region = regionOf(frame);
  if ((frame.layout ?? 'hwc') === 'hwc') return { rgb: frame.pixels, bufferWidth: w, bufferHeight: h, region };
  const raw = { width: w, height: h, channels: 1 as const };
  const [r, g, b] = [0, 1, 2].map((i) => frame.pixels.subarray(i * plane, (i + 1) * plane));
  // Joined single-band images are tagged black-and-white; sRGB says the three bands are R, G, B.
  const rgb = await sharp(r, { raw }).joinChannel([g, b], { raw }).toColourspace('srgb').raw().toBuffer();
  return { rgb, bufferWidth: w, bufferHeight: h, region };
}
