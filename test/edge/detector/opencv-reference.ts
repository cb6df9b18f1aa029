/**
 * Ultralytics' LetterBox computed by OpenCV itself (the WebAssembly build of OpenCV 4.12 from npm,
 * @techstark/opencv-js, test-only), to hold Seamline's preprocessing against: ultralytics/data/augment.py
 * LetterBox (auto=False, scaleup=True, center=True) does
 *
 *   r = min(new_h / h, new_w / w); new_unpad = int(round(w * r)), int(round(h * r))
 *   dw, dh = (new_w - new_unpad[0]) / 2, (new_h - new_unpad[1]) / 2
 *   img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)   # when the size changes
 *   top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1)); left, right likewise with dw
 *   img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
 *
 * The rounding is written out again here (Python's round, halves to even), not taken from
 * src/edge/frames/letterbox.ts, so a slip there cannot agree with itself.
 */
import { createRequire } from 'node:module';

type Cv = typeof import('@techstark/opencv-js');

let ready: Promise<{ cv: Cv }> | undefined;

/**
 * OpenCV, once its WebAssembly runtime has started (a quarter of a second). The module object has a
 * `then` of its own (Emscripten's), so it is never awaited or resolved directly, only carried in a box.
 */
export function openCv(): Promise<{ cv: Cv }> {
  ready ??= new Promise((resolve, reject) => {
    const loaded = createRequire(import.meta.url)('@techstark/opencv-js') as Cv | Promise<Cv>;
    if (loaded instanceof Promise) return loaded.then((cv) => resolve({ cv }), reject);
    if ((loaded as { Mat?: unknown }).Mat) return resolve({ cv: loaded });
    (loaded as unknown as { onRuntimeInitialized: () => void }).onRuntimeInitialized = () => resolve({ cv: loaded });
  });
  return ready;
}

/** Python 3's round(): halves to the even neighbour. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  if (x - f !== 0.5) return Math.round(x) + 0; // + 0: no -0 from round(-0.1)
  return f % 2 === 0 ? f : f + 1;
}

export interface Reference {
  /** The letterboxed image, `width` x `height` x 3 bytes, RGB interleaved. */
  pixels: Uint8Array;
  newW: number;
  newH: number;
  top: number;
  left: number;
}

/** Ultralytics' LetterBox of a `w` x `h` RGB image into `size`, by OpenCV. */
export async function opencvLetterbox(px: Uint8Array, w: number, h: number, size: { width: number; height: number }): Promise<Reference> {
  const { cv } = await openCv();
  const r = Math.min(size.height / h, size.width / w);
  const newW = pyRound(w * r);
  const newH = pyRound(h * r);
  const dw = (size.width - newW) / 2;
  const dh = (size.height - newH) / 2;
  const [top, bottom, left, right] = [pyRound(dh - 0.1), pyRound(dh + 0.1), pyRound(dw - 0.1), pyRound(dw + 0.1)];
  const src = new cv.Mat(h, w, cv.CV_8UC3);
  const resized = new cv.Mat();
  const out = new cv.Mat();
  try {
    src.data.set(px);
    if (newW !== w || newH !== h) cv.resize(src, resized, new cv.Size(newW, newH), 0, 0, cv.INTER_LINEAR);
    else src.copyTo(resized);
    cv.copyMakeBorder(resized, out, top, bottom, left, right, cv.BORDER_CONSTANT, new cv.Scalar(114, 114, 114, 255));
    if (out.cols !== size.width || out.rows !== size.height) throw new Error(`OpenCV made ${out.cols}x${out.rows}`);
    return { pixels: Uint8Array.from(out.data), newW, newH, top, left };
  } finally {
    src.delete();
    resized.delete();
    out.delete();
  }
}

/**
 * The largest difference, in levels of 255, between a model tensor (float32 NCHW, 0..1) and OpenCV's
 * uint8 letterbox, with where it is and how many channel values differ by more than 1.
 */
export function compareTensor(
  tensor: Float32Array,
  ref: Uint8Array,
  size: { width: number; height: number },
): { max: number; over1: number; at: string } {
  const plane = size.width * size.height;
  let max = 0;
  let over1 = 0;
  let at = '';
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(tensor[c * plane + i] * 255 - ref[i * 3 + c]);
      if (d > 1) over1++;
      if (d > max) {
        max = d;
        at = `(${i % size.width}, ${Math.floor(i / size.width)}) channel ${c}: ${(tensor[c * plane + i] * 255).toFixed(2)} vs ${ref[i * 3 + c]}`;
      }
    }
  }
  return { max, over1, at };
}

/** The same for an interleaved uint8 RGB image (what libvips or ffmpeg letterboxed). */
export function compareBytes(px: Uint8Array, ref: Uint8Array): { max: number; over1: number } {
  let max = 0;
  let over1 = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(px[i] - ref[i]);
    if (d > 1) over1++;
    if (d > max) max = d;
  }
  return { max, over1 };
}

/**
 * A test picture with everything a resize can get wrong: seeded noise (every tap's weight shows), a smooth
 * gradient, and hard-edged stripes at odd periods, in each channel differently.
 */
export function testPicture(w: number, h: number, seed = 1): Buffer {
  const px = Buffer.alloc(w * h * 3);
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const band = Math.floor((x * 4) / w) + 4 * Math.floor((y * 2) / h);
      px[i] = Math.floor(rand() * 256);
      px[i + 1] = band % 2 === 0 ? Math.floor((255 * (x + y)) / (w + h)) : Math.floor(rand() * 256);
      px[i + 2] = (Math.floor(x / 3) + Math.floor(y / 5)) % 2 === 0 ? 240 : 20;
    }
  }
  return px;
}
