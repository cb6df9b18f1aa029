/**
 * `--source` to a FrameSource: a stream URL or a video file goes to ffmpeg, an image or a folder of images
 * to sharp, `synthetic` to the synthetic conveyor scene; every one delivers frames at their own size. Nothing is opened here beyond a stat of a path;
 * start() of the source returned says whether the stream or file can actually be read.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import { FfmpegSource } from './ffmpeg-source.ts';
import type { FrameSource, PixelLayout } from './frame-source.ts';
import { ImageSource, isImagePath } from './image-source.ts';
import { SyntheticSource } from './synthetic-source.ts';
import { statSource } from './source-path.ts';

/** URL schemes handed to ffmpeg as live streams. */
export const STREAM_SCHEMES = ['rtsp', 'rtsps', 'rtmp', 'rtmps', 'http', 'https', 'tcp', 'udp', 'srt', 'rtp'];

export interface OpenFrameSourceOptions {
  /** Pixel order asked for; only the ffmpeg source delivers `chw`, the others say `hwc` on each frame. */
  layout?: PixelLayout;
  /** At most this many frames a second (ffmpeg drops the rest before converting; images are paced). */
  maxFps?: number;
  /** Live streams: restart after this many seconds without a frame (default 10). */
  watchdogSeconds?: number;
  /** Video files: decode at the file's own rate, as a camera would (default: as fast as consumed). */
  realtime?: boolean;
  ffmpegPath?: string;
  logger?: Logger;
}

export async function openFrameSource(spec: string, options: OpenFrameSourceOptions = {}): Promise<FrameSource> {
  if (spec === 'synthetic') {
    // Rendered at full size (the detector letterboxes it); paced at maxFps, or as fast as it is consumed.
    return new SyntheticSource({ fps: options.maxFps ?? 0 });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1].toLowerCase();
  const ffmpeg = {
    layout: options.layout,
    maxFps: options.maxFps,
    ffmpegPath: options.ffmpegPath,
    logger: options.logger,
  };
  if (scheme && scheme !== 'file') {
    if (!STREAM_SCHEMES.includes(scheme)) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `source ${spec.split('://')[0]}://...: unknown scheme; streams are ${STREAM_SCHEMES.join(', ')}`,
        { field: 'source' },
      );
    }
    return new FfmpegSource({ ...ffmpeg, input: spec, live: true, watchdogSeconds: options.watchdogSeconds });
  }
  const path = scheme === 'file' ? fileURLToPath(spec) : spec;
  const info = await statSource(path);
  if (info.isDirectory() || isImagePath(path)) {
    return new ImageSource({ path, fps: options.maxFps, logger: options.logger });
  }
  // `file:` keeps ffmpeg from reading a name with a colon in it as a protocol.
  return new FfmpegSource({ ...ffmpeg, input: `file:${path}`, live: false, realtime: options.realtime });
}
