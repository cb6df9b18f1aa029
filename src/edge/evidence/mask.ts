import type { Detection } from '../../contract/index.ts';

export interface CropMargin {
  /** Margin around each box as a fraction of the box's width (left, right) and height (top, bottom). Default 0.1. */
  fraction: number;
  /** Least margin, in frame pixels. Default 16. */
  minPixels: number;
}

export const DEFAULT_CROP_MARGIN: CropMargin = { fraction: 0.1, minPixels: 16 };

/** A rectangle in image pixels, whole numbers, inside the image. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * The regions crop mode keeps, in image pixels: each box grown by its margin (in frame pixels), scaled from the
 * frame to the image, widened to whole pixels and clipped to the image. Boxes keep their place, so a box's
 * coordinates still line up with the image (`image.width / frame.width`).
 */
export function keptRegions(
  boxes: readonly Detection[],
  frame: { width: number; height: number },
  image: { width: number; height: number },
  margin: CropMargin = DEFAULT_CROP_MARGIN,
): Rect[] {
  const sx = image.width / frame.width;
  const sy = image.height / frame.height;
  const out: Rect[] = [];
  for (const { bbox } of boxes) {
    const [x, y, w, h] = bbox;
    const mx = Math.max(margin.minPixels, w * margin.fraction);
    const my = Math.max(margin.minPixels, h * margin.fraction);
    const rect = {
      left: Math.max(0, Math.floor((x - mx) * sx)),
      top: Math.max(0, Math.floor((y - my) * sy)),
      right: Math.min(image.width, Math.ceil((x + w + mx) * sx)),
      bottom: Math.min(image.height, Math.ceil((y + h + my) * sy)),
    };
    if (rect.right > rect.left && rect.bottom > rect.top) out.push(rect);
  }
  return out;
}

const OPAQUE_BLACK = Buffer.from([0, 0, 0, 255]);

/**
 * An RGBA overlay the size of the image: opaque black everywhere except the kept regions, which are
 * transparent. Laid over the scaled picture (sharp's composite, on libvips' threads) it blacks out the
 * rest. Built with row fills (memset), about a millisecond at 1280 x 720, and only for captured frames.
 */
export function cropOverlay(width: number, height: number, regions: readonly Rect[]): Buffer {
  const overlay = Buffer.allocUnsafe(width * height * 4).fill(OPAQUE_BLACK);
  for (const r of regions) {
    for (let y = r.top; y < r.bottom; y++) overlay.fill(0, (y * width + r.left) * 4, (y * width + r.right) * 4);
  }
  return overlay;
}
