/** The edge bridge box: durable outbox, MQTT publisher, status. See docs/edge.md. */
export { createBridge, type Bridge, type BridgeOptions, type BridgeStats } from './bridge/bridge.ts';
export type { DetectionSource } from './inputs/detection-source.ts';
export { prepareDetection, encodeDetection, type EdgeDetectionInput } from './bridge/record.ts';
export {
  Outbox,
  openOutbox,
  DEFAULT_MAX_BYTES,
  DEFAULT_REPLAY_MAX_BYTES,
  DEFAULT_REPLAY_MAX_AGE_MS,
  type FsyncPolicy,
  type OverflowPolicy,
  type OutboxOptions,
  type OutboxEntry,
  type OutboxStats,
  type SeqSpan,
  type SeqState,
  type StreamInfo,
} from './outbox/outbox.ts';
export { runStdinInput, type StdinInputOptions, type StdinInputResult } from './inputs/stdin.ts';
export { startHttpInput, type HttpInputOptions, type RunningHttpInput } from './inputs/http.ts';
export type { Frame, FrameSource, FrameSourceStats, LetterboxPlacement, LetterboxRequest, PixelLayout } from './frames/frame-source.ts';
export { openFrameSource, STREAM_SCHEMES, type OpenFrameSourceOptions } from './frames/open-frame-source.ts';
export { FfmpegSource, type FfmpegSourceOptions } from './frames/ffmpeg-source.ts';
export { ImageSource, type ImageSourceOptions } from './frames/image-source.ts';
