/**
 * The ffmpeg command line of a frame source. ffmpeg decodes and converts to RGB at the frame's own size —
 * it never resizes for the model: the detector's Preprocessor letterboxes every source the way
 * Ultralytics does (cv2.resize INTER_LINEAR), which ffmpeg's scaler does not reproduce. Node copies the
 * frame out of the pipe and parses nothing but the one `showinfo` line per frame (its presentation time
 * and decoded size) on stderr.
 */
import type { PixelLayout } from './frame-source.ts';

export interface FfmpegArgsOptions {
  /** A file path or a URL ffmpeg opens (rtsp://, http://, tcp://, udp://, ...). */
  input: string;
  live: boolean;
  /** Read a file at its native rate (ffmpeg `-re`), as a camera would deliver it. Files only. */
  realtime?: boolean;
  layout?: PixelLayout;
  /** Pass at most this many frames a second: later frames are dropped inside ffmpeg, before conversion. */
  maxFps?: number;
  /** RTSP transport (default tcp: no lost UDP packets smearing frames). */
  rtspTransport?: 'tcp' | 'udp';
  /** Extra input options placed before `-i`, e.g. `['-f', 'lavfi']` or a demuxer's own options. */
  inputArgs?: string[];
}

export function filterChain(options: Pick<FfmpegArgsOptions, 'layout' | 'maxFps'>): string {
  const filters: string[] = [];
  if (options.maxFps !== undefined) {
    // Keeps a frame once at least ~1/maxFps has passed since the last kept one; never duplicates, and
    // kept frames keep their own timestamps. 0.99 absorbs timestamp rounding (29.97 fps capped to 10).
    filters.push(`select='isnan(prev_selected_t)+gte(t-prev_selected_t,${0.99 / options.maxFps})'`);
  }
  // One line per frame on stderr: n, pts_time and the decoded size s:WxH.
  filters.push('showinfo=checksum=0');
  const planar = options.layout === 'chw';
  // Pixel format only, at the decoded size: no scale filter, so the pixels are the decoder's.
  filters.push(`format=${planar ? 'gbrp' : 'rgb24'}`);
  // gbrp stores its planes G, B, R; reorder them to R, G, B.
  if (planar) filters.push('shuffleplanes=2:0:1', 'format=gbrp');
  return filters.join(',');
}

export function ffmpegArgs(options: FfmpegArgsOptions): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'];
  if (options.live) {
    // Start on half a second of stream rather than five; drop what is corrupt rather than decode smears;
    // low_delay turns off frame threading, which would hold each frame back by a frame per thread.
    args.push('-fflags', '+genpts+discardcorrupt', '-flags', 'low_delay', '-analyzeduration', '500000', '-probesize', '500000');
    if (/^rtsps?:/i.test(options.input)) args.push('-rtsp_transport', options.rtspTransport ?? 'tcp');
  } else if (options.realtime) {
    args.push('-re');
  }
  args.push(...(options.inputArgs ?? []));
  args.push('-i', options.input);
  args.push('-map', '0:v:0', '-an', '-sn', '-dn');
  args.push('-vf', filterChain(options));
  // Without passthrough ffmpeg would duplicate or drop frames to a constant rate for rawvideo, and the
  // k-th frame on stdout would no longer be the k-th showinfo line.
  args.push('-fps_mode', 'passthrough');
  // Each frame at its own decoded size: without this, ffmpeg scales every frame after a resolution change
  // (a camera switching profiles) to the first frame's size, aspect ratio and all, with its own scaler.
  args.push('-autoscale', '0');
  args.push('-f', 'rawvideo', 'pipe:1');
  return args;
}

/** Bytes of one output frame. */
export function frameBytes(width: number, height: number): number {
  return width * height * 3;
}
