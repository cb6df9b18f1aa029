import type { Frame, LetterboxPlacement, LetterboxRequest } from '../frames/frame-source.ts';
import { letterboxPlacement } from './letterbox.ts';

/** Ultralytics pads with grey 114. */
export const PAD_VALUE = 114;

/**
 * Turns frames into the model's input tensor: RGB bytes (interleaved, or planar `chw`) -> float32 CHW in 0..1, letterboxed to the
 * model input. A frame the source already letterboxed (ffmpeg can) is only converted; any other frame is
 * resized here with bilinear interpolation on pixel centres (what cv2.resize INTER_LINEAR, used by
 * Ultralytics, computes), centred, grey borders. One pass over the output, no intermediate image; the
 * tensor is reused across frames and its borders are painted only when the placement changes.
 */
export class Preprocessor {
  readonly tensor: Float32Array;
  private paintedFor = '';
  private xTable = { i0: new Int32Array(0), i1: new Int32Array(0), w: new Float32Array(0), exact: false };
  private tableFor = '';

  constructor(readonly input: LetterboxRequest) {
    this.tensor = new Float32Array(3 * input.width * input.height);
  }

  /** Fills `tensor` from the frame and says where the frame sits in it. */
  run(frame: Pick<Frame, 'width' | 'height' | 'pixels' | 'pixelsWidth' | 'pixelsHeight' | 'letterbox' | 'layout'>): LetterboxPlacement {
    // Interleaved RGB: a pixel is 3 bytes, channels 1 byte apart; planar (chw): 1 byte, channels a plane apart.
    const planar = frame.layout === 'chw';
    const step = planar ? 1 : 3;
    const coff = planar ? frame.pixelsWidth * frame.pixelsHeight : 1;
    const { width: W, height: H } = this.input;
    if (frame.letterbox) {
      if (frame.pixelsWidth !== W || frame.pixelsHeight !== H) {
        throw new Error(`frame is letterboxed to ${frame.pixelsWidth}x${frame.pixelsHeight}, the model wants ${W}x${H}`);
      }
      this.convert(frame.pixels, W, H, step, coff);
      this.paintedFor = '';
      return frame.letterbox;
    }
    const p = letterboxPlacement(frame.pixelsWidth, frame.pixelsHeight, this.input);
    const key = `${p.padLeft},${p.padTop},${p.innerWidth},${p.innerHeight}`;
    if (key !== this.paintedFor) {
      this.tensor.fill(PAD_VALUE / 255);
      this.paintedFor = key;
    }
    if (p.innerWidth === frame.pixelsWidth && p.innerHeight === frame.pixelsHeight) this.copyInner(frame.pixels, p, step, coff);
    else this.resizeInner(frame.pixels, frame.pixelsWidth, frame.pixelsHeight, p, step, coff);
    // Boxes are reported in the frame's pixels, which may differ from the decoded pixels' size.
    const sx = frame.pixelsWidth / frame.width;
    return sx === 1 ? p : { ...p, scale: p.scale * sx };
  }

  private convert(src: Buffer, W: number, H: number, step: number, coff: number): void {
    const t = this.tensor;
    const plane = W * H;
    const k = 1 / 255;
    const c2 = 2 * coff;
    for (let i = 0, s = 0; i < plane; i++, s += step) {
      t[i] = src[s] * k;
      t[plane + i] = src[s + coff] * k;
      t[2 * plane + i] = src[s + c2] * k;
    }
  }

  private copyInner(src: Buffer, p: LetterboxPlacement, step: number, coff: number): void {
    const { width: W, height: H } = this.input;
    const t = this.tensor;
    const plane = W * H;
    const k = 1 / 255;
    const c2 = 2 * coff;
    for (let y = 0; y < p.innerHeight; y++) {
      let s = y * p.innerWidth * step;
      let d = (y + p.padTop) * W + p.padLeft;
      for (let x = 0; x < p.innerWidth; x++, s += step, d++) {
        t[d] = src[s] * k;
        t[plane + d] = src[s + coff] * k;
        t[2 * plane + d] = src[s + c2] * k;
      }
    }
  }

  private columns(srcW: number, dstW: number, step: number): { i0: Int32Array; i1: Int32Array; w: Float32Array; exact: boolean } {
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
    this.xTable = { i0, i1, w, exact: w.every((v) => v === 0) };
    this.tableFor = key;
    return this.xTable;
  }

  private resizeInner(src: Buffer, srcW: number, srcH: number, p: LetterboxPlacement, step: number, c1: number): void {
    const { width: W, height: H } = this.input;
    const t = this.tensor;
    const plane = W * H;
    const plane2 = 2 * plane;
    const { i0, i1, w: wx, exact } = this.columns(srcW, p.innerWidth, step);
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
      if (fy === 0 && exact) {
        for (let x = 0; x < n; x++, d++) {
          const a = r0 + i0[x];
          t[d] = src[a] * k;
          t[plane + d] = src[a + c1] * k;
          t[plane2 + d] = src[a + c2] * k;
        }
      } else if (fy === 0) {
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
