/** Test media made by ffmpeg itself from its lavfi sources: nothing is downloaded. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs ffmpeg to completion; throws with its stderr when it fails. */
export function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/** A lavfi graph rendered into a file: `ffv1` keeps colours exact, `libx264` is what cameras write. */
export function makeVideo(
  path: string,
  lavfi: string,
  options: { frames?: number; codec?: 'ffv1' | 'libx264'; extra?: string[] } = {},
): string {
  const codec = options.codec ?? 'ffv1';
  const pix = codec === 'ffv1' ? ['-pix_fmt', 'bgr0'] : ['-pix_fmt', 'yuv420p'];
  // For ffv1 the graph itself ends in RGB: no YUV round trip to blur colours or crop odd sizes.
  if (codec === 'ffv1') lavfi += ',format=bgr0';
  const frames = options.frames === undefined ? [] : ['-frames:v', String(options.frames)];
  ffmpeg(['-f', 'lavfi', '-i', lavfi, ...frames, '-c:v', codec, ...pix, ...(options.extra ?? []), path]);
  return path;
}

export function tempDir(prefix: string): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `seamline-${prefix}-`));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The RGB triple at (x, y) of an interleaved frame. */
export function rgbAt(pixels: Buffer, width: number, x: number, y: number): [number, number, number] {
  const i = (y * width + x) * 3;
  return [pixels[i], pixels[i + 1], pixels[i + 2]];
}

export interface LetterboxCheck {
  /** Pixels outside the placement that are not exactly (114, 114, 114). */
  badPad: number;
  /** Pixels inside the placement that are not white (every channel >= 240). */
  badContent: number;
  first?: string;
}

/**
 * Scans a letterboxed frame of a white picture: every pixel outside [padLeft, padLeft + innerWidth) x
 * [padTop, padTop + innerHeight) must be the pad grey, every pixel inside it white — so the content edge
 * is exactly where the geometry says, on all four sides.
 */
export function checkLetterbox(
  pixels: Buffer,
  size: { width: number; height: number },
  p: { padLeft: number; padTop: number; innerWidth: number; innerHeight: number },
  layout: 'hwc' | 'chw' = 'hwc',
): LetterboxCheck {
  const out: LetterboxCheck = { badPad: 0, badContent: 0 };
  const plane = size.width * size.height;
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      const i = y * size.width + x;
      const px =
        layout === 'hwc' ? [pixels[i * 3], pixels[i * 3 + 1], pixels[i * 3 + 2]] : [pixels[i], pixels[plane + i], pixels[2 * plane + i]];
      const inside = x >= p.padLeft && x < p.padLeft + p.innerWidth && y >= p.padTop && y < p.padTop + p.innerHeight;
      const ok = inside ? px.every((v) => v >= 240) : px.every((v) => v === 114);
      if (!ok) {
        if (inside) out.badContent++;
        else out.badPad++;
        out.first ??= `(${x}, ${y}) ${inside ? 'inside' : 'pad'}: ${px.join(',')}`;
      }
    }
  }
  return out;
}

/** A model tensor (float32 NCHW, 0..1) as planar bytes (x255, rounded), for checkLetterbox(..., 'chw'). */
export function tensorBytes(tensor: Float32Array): Buffer {
  const out = Buffer.alloc(tensor.length);
  for (let i = 0; i < tensor.length; i++) out[i] = Math.round(tensor[i] * 255);
  return out;
}
