import type { Frame, LetterboxPlacement, LetterboxRequest } from '../frames/frame-source.ts';
import { letterboxPlacement } from '../frames/letterbox.ts';

/** Ultralytics pads with grey 114. */
export const PAD_VALUE = 114;

/**
 * What the Preprocessor does to every frame, whatever its source, as `seamline detect` and
 * `seamline bench inference` report it: Ultralytics' LetterBox, i.e. cv2.resize(INTER_LINEAR) to the
 * scaled size and 114-grey borders (test/edge/detector/opencv-letterbox.test.ts holds it to OpenCV's own).
 */
export const PREPROCESS = 'letterbox: bilinear (cv2 INTER_LINEAR), pad 114';

/** uint8 -> float32 in 0..1, one table read instead of a conversion and a multiply per channel. */
const TO_UNIT = new Float32Array(256).map((_, i) => i / 255);

interface ColumnTable {
  /** Per output column, the byte offsets in a source row of its two taps, and the second tap's weight. */
  i0: Int32Array;
  i1: Int32Array;
  w: Float32Array;
  /** Every weight is 0: each output column is one source column. */
  exact: boolean;
  /** When exact and evenly spaced, the bytes from one tap to the next (else 0). */
  pitch: number;
}

type PreFrame = Pick<Frame, 'width' | 'height' | 'pixels' | 'pixelsWidth' | 'pixelsHeight' | 'letterbox' | 'layout'>;

/**
 * Turns frames into the model's input tensor: RGB bytes (interleaved, or planar `chw`) -> float32 CHW in
 * 0..1, letterboxed to the model input. Every source (images, folders, video files, streams, synthetic)
 * delivers frames at their own size, and they are resized here with bilinear interpolation on pixel
 * centres (what cv2.resize INTER_LINEAR, used by Ultralytics, computes), straight into the three planes in
 * one pass, no intermediate image. The tensor is reused across frames and its grey borders are painted only
 * when the placement changes, so a frame writes only its image area. Integer ratios (1920 -> 640) put every
 * sample on a pixel centre and read one source pixel per output pixel. A frame that arrives already
 * letterboxed (`frame.letterbox`, from a caller outside Seamline's sources) is only converted.
 */
export class Preprocessor {
  readonly tensor: Float32Array;
  private paintedFor = '';
  private xTable: ColumnTable = { i0: new Int32Array(0), i1: new Int32Array(0), w: new Float32Array(0), exact: false, pitch: 0 };
  private tableFor = '';

  constructor(readonly input: LetterboxRequest) {
    this.tensor = new Float32Array(3 * input.width * input.height);
  }

  /** Fills `tensor` from the frame and says where the frame sits in it. */
  run(frame: PreFrame): LetterboxPlacement {
    // Interleaved RGB: a pixel is 3 bytes, channels 1 byte apart; planar (chw): 1 byte, channels a plane apart.
    const planar = frame.layout === 'chw';
    const step = planar ? 1 : 3;
    const coff = planar ? frame.pixelsWidth * frame.pixelsHeight : 1;
    const { width: W, height: H } = this.input;
    if (frame.letterbox) {
      if (frame.pixelsWidth !== W || frame.pixelsHeight !== H) {
        throw new Error(`frame is letterboxed to ${frame.pixelsWidth}x${frame.pixelsHeight}, the model wants ${W}x${H}`);
      }
      // The source's borders are the same grey as ours: paint them once, convert the image area only.
      this.paint(frame.letterbox);
      const l = frame.letterbox;
      this.copyInner(frame.pixels, W, l.padTop * W + l.padLeft, l, step, coff);
      return frame.letterbox;
    }
    const p = letterboxPlacement(frame.pixelsWidth, frame.pixelsHeight, this.input);
    this.paint(p);
    if (p.innerWidth === frame.pixelsWidth && p.innerHeight === frame.pixelsHeight)
      this.copyInner(frame.pixels, frame.pixelsWidth, 0, p, step, coff);
    else this.resizeInner(frame.pixels, frame.pixelsWidth, frame.pixelsHeight, p, step, coff);
    // Boxes are reported in the frame's pixels, which may differ from the decoded pixels' size.
    const sx = frame.pixelsWidth / frame.width;
    return sx === 1 ? p : { ...p, scale: p.scale * sx };
  }

  private paint(p: LetterboxPlacement): void {
    const key = `${p.padLeft},${p.padTop},${p.innerWidth},${p.innerHeight}`;
    if (key === this.paintedFor) return;
    this.tensor.fill(PAD_VALUE / 255);
    this.paintedFor = key;
  }

  /** Pixels already at model scale: `srcW` wide rows, the image from pixel `offset` on, to (padLeft, padTop) of the tensor. */
  private copyInner(src: Buffer, srcW: number, offset: number, p: LetterboxPlacement, step: number, coff: number): void {
    const t = this.tensor;
    const W = this.input.width;
    const plane = W * this.input.height;
    const plane2 = 2 * plane;
    const c2 = 2 * coff;
    const lut = TO_UNIT;
    for (let y = 0; y < p.innerHeight; y++) {
      let s = (offset + y * srcW) * step;
      let d = (y + p.padTop) * W + p.padLeft;
      const end = d + p.innerWidth;
      for (; d < end; d++, s += step) {
        t[d] = lut[src[s]];
        t[plane + d] = lut[src[s + coff]];
        t[plane2 + d] = lut[src[s + c2]];
      }
    }
  }

  private columns(srcW: number, dstW: number, step: number): ColumnTable {
    const key = `${srcW}:${dstW}:${step}`;
    if (key === this.tableFor) return this.xTable;
    const i0 = new Int32Array(dstW);
    const i1 = new Int32Array(dstW);
    const w = new Float32Array(dstW);
    const ratio = srcW / dstW;
    for (let x = 0; x < dstW; x++) {
      const sx = Math.min(srcW - 1, Math.max(0, (x + 0.5) * ratio - 0.5));
      const x0 = Math.floor(sx);
      i0[x] = x0 * step;
      i1[x] = Math.min(srcW - 1, x0 + 1) * step;
      w[x] = sx - x0;
    }
    const exact = w.every((v) => v === 0);
    const pitch = dstW > 1 ? i0[1] - i0[0] : 0;
    const even = exact && i0.every((v, x) => v === i0[0] + x * pitch);
    this.xTable = { i0, i1, w, exact, pitch: even ? pitch : 0 };
    this.tableFor = key;
    return this.xTable;
  }

  private resizeInner(src: Buffer, srcW: number, srcH: number, p: LetterboxPlacement, step: number, c1: number): void {
    const { width: W, height: H } = this.input;
    const t = this.tensor;
    const plane = W * H;
    const plane2 = 2 * plane;
    const { i0, i1, w: wx, exact, pitch } = this.columns(srcW, p.innerWidth, step);
    const c2 = 2 * c1;
    const ratio = srcH / p.innerHeight;
    const k = 1 / 255;
    const n = p.innerWidth;
    for (let y = 0; y < p.innerHeight; y++) {
      const sy = Math.min(srcH - 1, Math.max(0, (y + 0.5) * ratio - 0.5));
      const y0 = Math.floor(sy);
      const fy = sy - y0;
      const r0 = y0 * srcW * step;
      const r1 = Math.min(srcH - 1, y0 + 1) * srcW * step;
      let d = (y + p.padTop) * W + p.padLeft;
      // Integer ratios put samples on pixel centres (1920 -> 640: weight 0), so skip the taps that weigh
      // nothing: the same values, a quarter of the reads.
      if (fy === 0 && pitch > 0) gatherEven(src, r0 + i0[0], pitch, c1, n, t, d, plane);
      else if (fy === 0 && exact) gatherRow(src, r0, c1, i0, n, t, d, plane);
      else if (fy === 0) {
        for (let x = 0; x < n; x++, d++) {
          const a = r0 + i0[x];
          const b = r0 + i1[x];
          const fx = wx[x] * k;
          const gx = k - fx;
          t[d] = src[a] * gx + src[b] * fx;
          t[plane + d] = src[a + c1] * gx + src[b + c1] * fx;
          t[plane2 + d] = src[a + c2] * gx + src[b + c2] * fx;
        }
      } else {
        const g0 = (1 - fy) * k;
        const g1 = fy * k;
        for (let x = 0; x < n; x++, d++) {
          const a = r0 + i0[x];
          const b = r0 + i1[x];
          const c = r1 + i0[x];
          const e = r1 + i1[x];
          const fx = wx[x];
          const gx = 1 - fx;
          t[d] = (src[a] * gx + src[b] * fx) * g0 + (src[c] * gx + src[e] * fx) * g1;
          t[plane + d] = (src[a + c1] * gx + src[b + c1] * fx) * g0 + (src[c + c1] * gx + src[e + c1] * fx) * g1;
          t[plane2 + d] = (src[a + c2] * gx + src[b + c2] * fx) * g0 + (src[c + c2] * gx + src[e + c2] * fx) * g1;
        }
      }
    }
  }
}

/** One output row from every `pitch`-th source byte from `a` on (an integer ratio: 1920 -> 640 is every 9th). */
function gatherEven(src: Buffer, a: number, pitch: number, c1: number, n: number, t: Float32Array, d: number, plane: number): void {
  const lut = TO_UNIT;
  const c2 = 2 * c1;
  const plane2 = 2 * plane;
  for (const end = d + n; d < end; d++, a += pitch) {
    t[d] = lut[src[a]];
    t[plane + d] = lut[src[a + c1]];
    t[plane2 + d] = lut[src[a + c2]];
  }
}

/** One output row straight from source pixels: `n` pixels at row byte `r`, columns `i0`, into the three planes at `d`. */
function gatherRow(src: Buffer, r: number, c1: number, i0: Int32Array, n: number, t: Float32Array, d: number, plane: number): void {
  const lut = TO_UNIT;
  const c2 = 2 * c1;
  const plane2 = 2 * plane;
  for (let x = 0; x < n; x++, d++) {
    const a = r + i0[x];
    t[d] = lut[src[a]];
    t[plane + d] = lut[src[a + c1]];
    t[plane2 + d] = lut[src[a + c2]];
  }
}
