import type { Detection } from '../../contract/index.ts';
import type { Frame } from '../frames/frame-source.ts';

/** How a detector is set up (flags of `seamline edge` and `seamline detect`). */
export interface DetectorOptions {
  /** The .onnx file (an Ultralytics export, or one of models/). */
  model: string;
  /** Class names file overriding the model's `names` metadata (model/labels.ts). */
  labels?: string;
  /** Score threshold (default 0.25). */
  conf?: number;
  /** NMS IoU threshold (default 0.45). */
  iou?: number;
  /** Most boxes per frame (default 300). */
  maxDet?: number;
  /** Keep only these classes, by name or id (`--classes scratch,dent` or `1,2`). */
  classes?: (string | number)[];
  /** onnxruntime intra-op threads for the model run (default 1; see docs/inference.md for why). */
  threads?: number;
  /**
   * How many nice steps the detector's thread is lowered below the process (Linux; default 10, at most to
   * 19): the model run gives way to the bridge's main thread whenever it wants a core. 0 leaves it alone.
   */
  nice?: number;
  /** Execution providers in order of preference (default ['cpu']; 'cuda' where the build has it). */
  providers?: string[];
}

/** The model as the rest of the edge sees it. */
export interface DetectorModel {
  name: string;
  version: string;
  names: string[];
  layout: string;
  input: { width: number; height: number };
}

export interface DetectionResult {
  detections: Detection[];
  /** When the output was decoded into boxes (epoch ms): detection.v1 `inferred_at`. */
  inferredAt: number;
  /** session.run alone. */
  modelMs: number;
  /** Letterbox, decode, NMS and mapping back: everything but the model run. */
  prepostMs: number;
  /**
   * The frame's pixel buffer, handed back (unchanged) when `detect` was asked to return it; the caller then
   * owns it and recycles it (frame-pool.ts). Absent otherwise: the detector recycled it itself.
   */
  pixels?: Buffer;
}

export interface DetectCallOptions {
  /** Hand the frame's pixel buffer back with the result instead of recycling it (evidence capture reads it). */
  returnPixels?: boolean;
}

export interface DetectorStats {
  /** Frames through the model. */
  runs: number;
  /** Median session.run time over the last 256 runs, ms; 0 before the first. */
  modelMsP50: number;
  /** Times the worker thread died and was started again. */
  restarts: number;
}

/**
 * Runs a detection model on frames. The implementation (onnx-detector.ts) keeps the model in a worker
 * thread, because onnxruntime-node's session.run blocks the thread it is called on.
 */
export interface Detector {
  readonly model: DetectorModel;
  /**
   * Detects objects in one frame. The frame's pixel buffer is transferred to the detector (not copied) and
   * is unusable by the caller afterwards, unless `returnPixels` asks for it back with the result.
   */
  detect(frame: Frame, options?: DetectCallOptions): Promise<DetectionResult>;
  stats(): DetectorStats;
  close(): Promise<void>;
}
