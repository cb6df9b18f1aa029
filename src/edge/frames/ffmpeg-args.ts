/**
 * The ffmpeg command line of a frame source. ffmpeg does the per-pixel work — decode, scale, pad, pixel
 * format — so Node only copies the finished frame out of the pipe; Node parses nothing but the one
 * `showinfo` line per frame (its presentation time and decoded size) on stderr.
 */
import type { LetterboxRequest, PixelLayout } from './frame-source.ts';

/** Ultralytics' pad colour, (114, 114, 114). */
export const PAD_GREY = 114;

export interface FfmpegArgsOptions {
  /** A file path or a URL ffmpeg opens (rtsp://, http://, tcp://, udp://, ...). */
  input: string;
  live: boolean;
  /** Read a file at its native rate (ffmpeg `-re`), as a camera would deliver it. Files only. */
  realtime?: boolean;
  letterbox?: LetterboxRequest;
  layout?: PixelLayout;
  /** Pass at most this many frames a second: later frames are dropped inside ffmpeg, before scaling. */
  maxFps?: number;
  /** RTSP transport (default tcp: no lost UDP packets smearing frames). */
  rtspTransport?: 'tcp' | 'udp';
  /** Extra input options placed before `-i`, e.g. `['-f', 'lavfi']` or a demuxer's own options. */
  inputArgs?: string[];
}

/**
 * Python's round() (halves to even) as an ffmpeg expression, so ffmpeg's scaled size is exactly
 * letterboxPlacement()'s: both evaluate the same IEEE double operations on the same numbers.
 */
function roundHalfEvenExpr(x: string): string {
  return `if(eq(${x}-floor(${x}),0.5),floor(${x})+mod(floor(${x}),2),floor(${x}+0.5))`;
}

/**
 * The letterbox of letterbox.ts in ffmpeg's own expressions, evaluated per input size (so a
 * stream that changes resolution is re-letterboxed when ffmpeg rebuilds its filter graph). The pad
 * offset there is round(d/2 - 0.1) for an integer d, which is floor(d/2): the odd pixel goes right/bottom.
 */
export function letterboxFilters(target: LetterboxRequest, pixFmt: string): string[] {
  const scale = `min(${target.width}/iw,${target.height}/ih)`;
  const w = roundHalfEvenExpr(`iw*${scale}`);
  const h = roundHalfEvenExpr(`ih*${scale}`);
  const grey = `0x${PAD_GREY.toString(16).repeat(3)}`;
  return [
    // bilinear: the closest swscale has to the cv2.INTER_LINEAR Ultralytics resizes with.
    `scale=w='${w}':h='${h}':flags=bilinear`,
    // RGB before padding: pad rounds offsets to the chroma grid in YUV, which would move the picture.
    `format=${pixFmt}`,
    `pad=w=${target.width}:h=${target.height}:x='floor((ow-iw)/2)':y='floor((oh-ih)/2)':color=${grey}`,
  ];
}

export function filterChain(options: Pick<FfmpegArgsOptions, 'letterbox' | 'layout' | 'maxFps'>): string {
  const filters: string[] = [];
  if (options.maxFps !== undefined) {
    // Keeps a frame once at least ~1/maxFps has passed since the last kept one; never duplicates, and
    // kept frames keep their own timestamps. 0.99 absorbs timestamp rounding (29.97 fps capped to 10).
    filters.push(`select='isnan(prev_selected_t)+gte(t-prev_selected_t,${0.99 / options.maxFps})'`);
  }
  // One line per frame on stderr: n, pts_time and the decoded size s:WxH, before any scaling.
  filters.push('showinfo=checksum=0');
  const planar = options.layout === 'chw';
  const pixFmt = planar ? 'gbrp' : 'rgb24';
  if (options.letterbox) filters.push(...letterboxFilters(options.letterbox, pixFmt));
  else filters.push(`format=${pixFmt}`);
  // gbrp stores its planes G, B, R; reorder them to R, G, B (the grey pad is the same in every plane).
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
  args.push('-f', 'rawvideo', 'pipe:1');
  return args;
}

/** Bytes of one output frame. */
export function frameBytes(width: number, height: number): number {
  return width * height * 3;
}
