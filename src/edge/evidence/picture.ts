import type { Sharp } from 'sharp';
import { SeamError } from '../../contract/index.ts';
import type { Frame } from '../frames/frame-source.ts';

/** Where the picture is inside a frame's pixel buffer: all of it, or the inner region of a letterboxed frame. */
export interface PictureRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

const invalid = (field: string, reason: string) => new SeamError('SEAM_ERR_INVALID_INPUT', `${field} ${reason}`, { field });

/** Checks the buffer against its stated size; a mismatch would make libvips read past it or show garbage. */
function checkPixels(frame: Frame): void {
  const w = frame.pixelsWidth;
  const h = frame.pixelsHeight;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw invalid('frame.pixelsWidth', `${w}x${h} is not a pixel size`);
  }
  if (frame.pixels.byteLength !== w * h * 3) {
    throw invalid('frame.pixels', `holds ${frame.pixels.byteLength} bytes, ${w}x${h} RGB needs ${w * h * 3}`);
  }
}

/** The inner region of a letterboxed buffer (the frame, scaled), or the whole buffer when not letterboxed. */
export function pictureRegion(frame: Frame): PictureRegion {
  checkPixels(frame);
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
  if (!inside) {
    throw invalid('frame.letterbox', `inner region ${JSON.stringify(region)} is not inside ${frame.pixelsWidth}x${frame.pixelsHeight}`);
  }
  return region;
}

/** Cuts `region` out of an image of `width` x `height` and scales it to `size`; each step only when needed. */
function fit(image: Sharp, width: number, height: number, region: PictureRegion, size: { width: number; height: number }): Sharp {
  let out = image;
  if (region.width !== width || region.height !== height) out = out.extract(region);
  if (size.width !== region.width || size.height !== region.height) out = out.resize(size.width, size.height, { fit: 'fill' });
  return out;
}

/**
 * The frame's picture (`region` of its pixels) scaled to `size`, interleaved RGB, with `overlay` (crop mode's
 * SVG mask) laid over it: a sharp pipeline still to be encoded. `hwc` pixels are read where they are (no copy).
 * Planar `chw` pixels: sharp joins bands after its resize and composite, so each plane is cut, scaled and
 * masked by libvips on its own, and the three output-size planes are joined last; only those come back to
 * JavaScript, and none at all when nothing needs doing. Joining the full frame first and handing the
 * interleaved copy back was measured to set off 5-20 ms mark-compact collections on the event loop.
 */
export async function scaledPicture(
  frame: Frame,
  region: PictureRegion,
  size: { width: number; height: number },
  overlay?: Buffer,
): Promise<Sharp> {
  // sharp (native) loads with the first image, not with the edge's --help.
  const { default: sharp } = await import('sharp');
  const w = frame.pixelsWidth;
  const h = frame.pixelsHeight;
  const finish = (image: Sharp) => (overlay ? image.composite([{ input: overlay, left: 0, top: 0 }]) : image);
  if ((frame.layout ?? 'hwc') === 'hwc')
    return finish(fit(sharp(frame.pixels, { raw: { width: w, height: h, channels: 3 } }), w, h, region, size));
  const plane = w * h;
  let planes = [0, 1, 2].map((i) => frame.pixels.subarray(i * plane, (i + 1) * plane));
  let raw = { width: w, height: h, channels: 1 as const };
  if (overlay || region.width !== w || region.height !== h || size.width !== w || size.height !== h) {
    // Each plane comes back as one band (sharp would otherwise write it out as sRGB, three bands).
    const one = (p: Buffer) =>
      finish(fit(sharp(p, { raw }), w, h, region, size))
        .toColourspace('b-w')
        .raw()
        .toBuffer();
    planes = await Promise.all(planes.map(one));
    raw = { width: size.width, height: size.height, channels: 1 };
  }
  // Joined single-band images are tagged black-and-white; sRGB says the three bands are R, G, B.
  return sharp(planes[0], { raw }).joinChannel([planes[1], planes[2]], { raw }).toColourspace('srgb');
}
