import sharp from 'sharp';
import type { Frame } from '../../../src/edge/frames/frame-source.ts';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';
import { SyntheticSource } from '../../../src/edge/frames/synthetic-source.ts';

/** A rendered conveyor frame (hwc) with its drawn objects in `truth`; its own buffer, not the pool's. */
export function conveyorFrame(width: number, height: number, index = 30, seed = 3): Frame {
  const frame = new SyntheticSource({ width, height, seed }).render(index, Date.parse('2026-12-06T13:00:00.000Z'));
  return { ...frame, pixels: Buffer.from(frame.pixels) };
}

/** The same frame with its pixels planar (R plane, G plane, B plane), as the ffmpeg source delivers when asked. */
export function toChw(frame: Frame): Frame {
  const plane = frame.pixelsWidth * frame.pixelsHeight;
  const chw = Buffer.alloc(plane * 3);
  for (let i = 0; i < plane; i++) {
    chw[i] = frame.pixels[i * 3];
    chw[plane + i] = frame.pixels[i * 3 + 1];
    chw[2 * plane + i] = frame.pixels[i * 3 + 2];
  }
  return { ...frame, pixels: chw, layout: 'chw' };
}

/** The frame letterboxed into a `side` x `side` model input with 114-grey borders, as a letterboxing source delivers it. */
export async function letterboxed(frame: Frame, side: number): Promise<Frame> {
  const placement = letterboxPlacement(frame.width, frame.height, { width: side, height: side });
  const inner = await sharp(frame.pixels, { raw: { width: frame.pixelsWidth, height: frame.pixelsHeight, channels: 3 } })
    .resize(placement.innerWidth, placement.innerHeight, { fit: 'fill' })
    .raw()
    .toBuffer();
  const px = Buffer.alloc(side * side * 3, 114);
  for (let y = 0; y < placement.innerHeight; y++) {
    inner.copy(
      px,
      ((placement.padTop + y) * side + placement.padLeft) * 3,
      y * placement.innerWidth * 3,
      (y + 1) * placement.innerWidth * 3,
    );
  }
  return { ...frame, pixels: px, pixelsWidth: side, pixelsHeight: side, letterbox: placement, layout: 'hwc' };
}

/** Decoded RGB of a JPEG. */
export async function decodeJpeg(jpeg: Buffer): Promise<{ rgb: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height, channels: info.channels };
}

/** A reference picture: hwc `rgb` of `w` x `h` scaled to `width` x `height` by libvips (what the image should look like). */
export async function scaled(rgb: Buffer, w: number, h: number, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
}

/** Mean absolute difference per channel value between two RGB buffers of one size. */
export function meanDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
