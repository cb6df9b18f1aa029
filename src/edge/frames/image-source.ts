/**
 * A single JPEG/PNG image or a folder of them, decoded by sharp (libvips), one frame per file in name
 * order, at the image's own size: libvips decodes, orients and converts to 8-bit RGB but never resizes
 * for the model — its resampling is not cv2.resize INTER_LINEAR, so the detector's Preprocessor
 * letterboxes images as it does every source. A corrupt file in a folder is skipped, counted and
 * logged, so the good ones beside it still run; a single corrupt image fails start().
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import sharp from 'sharp';
import { SeamError } from '../../contract/index.ts';
import { statSource } from './source-path.ts';
import type { Frame, FrameSource, FrameSourceStats } from './frame-source.ts';

/** File name endings read as images; other files in a folder are ignored. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

export interface ImageSourceOptions {
  /** An image file, or a folder whose images are read in name order (numeric-aware: 2.png before 10.png). */
  path: string;
  /** Deliver at most this many images a second (default: as fast as the consumer takes them). */
  fps?: number;
  logger?: Logger;
}

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

export class ImageSource implements FrameSource {
  readonly kind = 'image';
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly logger: Logger;
  private stopping = false;
  private index = 0;
  private unreadable = 0;
  private lastError: string | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: ImageSourceOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  stats(): FrameSourceStats {
    return { framesRead: this.index, restarts: 0, unreadable: this.unreadable, lastError: this.lastError };
  }

  async start(onFrame: (frame: Frame) => void | Promise<void>): Promise<void> {
    const files = await this.list();
    if (files.single) {
      // One image: a bad one is the whole source, so it fails here rather than as a log line.
      const frame = await this.decode(files.paths[0]);
      this.running = this.deliver(onFrame, [], frame);
    } else {
      this.running = this.deliver(onFrame, files.paths);
    }
    void this.running.finally(() => this.resolveDone());
  }

  /** Resolves at once: the loop checks `stopping` before every hand-over, so nothing is delivered after. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.resolveDone();
  }

  private async list(): Promise<{ single: boolean; paths: string[] }> {
    const { path } = this.options;
    const info = await statSource(path);
    if (!info.isDirectory()) return { single: true, paths: [path] };
    const names = (await readdir(path)).filter(isImagePath).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (names.length === 0) {
      throw new SeamError('SEAM_ERR_CONFIG', `source ${path}: the folder holds no ${IMAGE_EXTENSIONS.join('/')} files`, {
        field: 'source',
      });
    }
    return { single: false, paths: names.map((n) => join(path, n)) };
  }

  private async deliver(onFrame: (frame: Frame) => void | Promise<void>, paths: string[], first?: Frame): Promise<void> {
    const intervalMs = this.options.fps ? 1000 / this.options.fps : 0;
    let next = Date.now();
    if (first && !this.stopping) await this.hand(onFrame, first);
    for (const path of paths) {
      if (this.stopping) return;
      let frame: Frame;
      try {
        frame = await this.decode(path);
      } catch (err) {
        this.unreadable++;
        this.lastError = (err as Error).message;
        this.logger.warn({ code: 'SEAM_ERR_SOURCE_UNREADABLE', file: path, err: this.lastError }, 'image skipped: cannot be decoded');
        continue;
      }
      if (intervalMs > 0) {
        await this.sleep(next - Date.now());
        next = Math.max(next + intervalMs, Date.now());
      }
      if (this.stopping) return;
      await this.hand(onFrame, frame);
    }
  }

  private async hand(onFrame: (frame: Frame) => void | Promise<void>, frame: Frame): Promise<void> {
    frame.index = this.index++;
    try {
      await onFrame(frame);
    } catch (err) {
      this.logger.error({ source: this.options.path, err }, 'frame consumer failed; frame source goes on');
    }
  }

  /** Decodes one image to 8-bit RGB at its own size (EXIF orientation applied, alpha dropped, grey expanded). */
  private async decode(path: string): Promise<Frame> {
    try {
      const mtime = (await stat(path)).mtimeMs;
      const image = sharp(path, { failOn: 'error' }).autoOrient().removeAlpha().toColourspace('srgb');
      const meta = await image.metadata();
      // autoOrient swaps width and height for EXIF orientations 5-8.
      const swap = (meta.orientation ?? 1) >= 5;
      const width = swap ? meta.height! : meta.width!;
      const height = swap ? meta.width! : meta.height!;
      const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not 3`);
      if (info.width !== width || info.height !== height)
        throw new Error(`decoded to ${info.width}x${info.height}, not ${width}x${height}`);
      const frame: Frame = {
        index: -1,
        // The file's modification time is when the camera or tool wrote it; never later than now.
        capturedAt: Math.min(Math.floor(mtime), Date.now()),
        width,
        height,
        pixels: data,
        pixelsWidth: info.width,
        pixelsHeight: info.height,
      };
      return frame;
    } catch (err) {
      if (err instanceof SeamError) throw err;
      throw new SeamError('SEAM_ERR_SOURCE_UNREADABLE', `source ${path}: ${(err as Error).message}`, { field: 'source', cause: err });
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
