import type { ErrorCode } from '../../contract/index.ts';
import type { LetterboxPlacement, PixelLayout } from '../frames/frame-source.ts';
import type { DetectionResult, DetectorModel } from './detector.ts';

/** A SeamError as it crosses the thread boundary (structured clone drops the class). */
export interface WireError {
  code?: ErrorCode;
  message: string;
  field?: string;
}

/** A frame on its way to the worker: the pixels travel as a transferred ArrayBuffer, and come back the same way with the answer (for reuse, frame-pool.ts). */
export interface WireFrame {
  width: number;
  height: number;
  pixelsWidth: number;
  pixelsHeight: number;
  letterbox?: LetterboxPlacement;
  layout?: PixelLayout;
  pixels: ArrayBuffer;
}

export type ToWorker = { type: 'detect'; id: number; frame: WireFrame } | { type: 'close' };

export type ToMain =
  | { type: 'ready'; model: DetectorModel }
  | { type: 'failed'; error: WireError }
  | { type: 'result'; id: number; result: DetectionResult; pixels: ArrayBuffer }
  | { type: 'error'; id: number; error: WireError; pixels: ArrayBuffer };
