/**
 * Where a camera host's frames come from: a video file or live stream decoded by ffmpeg, an image folder,
 * or the synthetic conveyor scene. One interface, one file per implementation (ffmpeg-source.ts,
 * image-source.ts, synthetic-source.ts), so the detector and the camera pipeline never care which it is.
 */

/** A model input size, e.g. 640 x 640: what the detector's Preprocessor letterboxes every frame to. */
export interface LetterboxRequest {
  /** Model input width and height in pixels, e.g. 640 x 640. */
  width: number;
  height: number;
}

/**
 * Where the frame sits inside the letterboxed pixels: scaled by `scale`, then offset by `padLeft` /
 * `padTop`, with 114-grey borders (Ultralytics' geometry and rounding, see letterbox.ts).
 */
export interface LetterboxPlacement {
  scale: number;
  padLeft: number;
  padTop: number;
  /** Size of the scaled frame inside the padding. */
  innerWidth: number;
  innerHeight: number;
}

/**
 * Byte order of `Frame.pixels`. `hwc`: RGB interleaved, row-major, 3 bytes a pixel (the default).
 * `chw`: planar, the whole R plane, then G, then B, each `pixelsWidth * pixelsHeight` bytes — the order
 * of a model's NCHW input, so the detector's uint8 -> float pass reads each plane sequentially.
 */
export type PixelLayout = 'hwc' | 'chw';

/** A drawn object the synthetic source knows it put there, in frame pixels [x, y, w, h]. */
export interface TruthBox {
  class: string;
  class_id: number;
  bbox: [number, number, number, number];
}

export interface Frame {
  /** 0-based index of the frame since the source started (restarts do not reset it). */
  index: number;
  /** Capture time, epoch milliseconds; never later than the moment the frame was read (docs/inference.md). */
  capturedAt: number;
  /** Size of the original frame; boxes are reported in these pixels. */
  width: number;
  height: number;
  /** RGB, `pixelsWidth * pixelsHeight * 3` bytes, in the order `layout` says (row-major interleaved unless `chw`). */
  pixels: Buffer;
  /** Absent means `hwc`. A source delivers `chw` only when asked to and able to (the ffmpeg source is). */
  layout?: PixelLayout;
  pixelsWidth: number;
  pixelsHeight: number;
  /**
   * Set when `pixels` are already letterboxed to the model input by whoever made the frame. Seamline's
   * own sources never set it: they deliver the decoded frame and the detector letterboxes it
   * (detector/preprocess.ts, cv2.resize INTER_LINEAR and Ultralytics' placement).
   */
  letterbox?: LetterboxPlacement;
  /** Ground truth, from the synthetic source only. */
  truth?: TruthBox[];
}

export interface FrameSourceStats {
  /** Frames delivered to the consumer of the source. */
  framesRead: number;
  /** Times the source was restarted (stream dropped or stalled, watchdog fired). */
  restarts: number;
  /** Inputs that could not be decoded and were skipped, e.g. a corrupt image in a folder of good ones. */
  unreadable?: number;
  /** The decoder's own last error line (ffmpeg's stderr), for logs and status; never contains credentials. */
  lastError?: string;
}

/**
 * A source pushes frames to `onFrame` one at a time and does not call it again until the returned promise
 * (if any) settles, so a consumer that is slow applies backpressure; the camera pipeline instead returns at
 * once and keeps only the newest waiting frame (drop oldest, counted) so a slow model never stalls a live
 * stream. `start` resolves once the source is producing; `done` resolves when a finite source (a file, a
 * folder) has delivered its last frame, and never for a live stream.
 */
export interface FrameSource {
  readonly kind: string;
  start(onFrame: (frame: Frame) => void | Promise<void>): Promise<void>;
  readonly done: Promise<void>;
  stats(): FrameSourceStats;
  /** Stops producing; resolves once no further onFrame call will be made and child processes are gone. */
  stop(): Promise<void>;
}
