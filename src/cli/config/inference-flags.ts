import { Type } from '@sinclair/typebox';
import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import type { DetectorOptions } from '../../edge/detector/detector.ts';
import type { FrameSource } from '../../edge/frames/frame-source.ts';
import { integerFlag, numberFlag } from './flags.ts';

/** Config keys shared by `seamline edge` (with --source) and `seamline detect`; docs/inference.md. */
export const InferenceConfigFields = {
  source: Type.Optional(Type.String({ minLength: 1, description: 'Video file, stream URL, image or folder of images, or "synthetic".' })),
  model: Type.Optional(Type.String({ minLength: 1, description: 'ONNX detection model (Ultralytics export).' })),
  labels: Type.Optional(Type.String({ minLength: 1, description: 'Class names file overriding the model metadata.' })),
  conf: Type.Number({ minimum: 0, maximum: 1, description: 'Score threshold.' }),
  iou: Type.Number({ minimum: 0, maximum: 1, description: 'NMS IoU threshold.' }),
  classes: Type.Optional(
    Type.Array(Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]), {
      description: 'Classes to keep, by name or id.',
    }),
  ),
  fps: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'At most this many frames a second from the source.' }),
  ),
  threads: Type.Integer({ minimum: 1, maximum: 64, description: 'onnxruntime intra-op threads.' }),
  watchdog: Type.Number({
    exclusiveMinimum: 0,
    maximum: 3600,
    description: 'Live streams: restart after this many seconds without a frame.',
  }),
};

export const INFERENCE_DEFAULTS = { conf: 0.25, iou: 0.45, threads: 1, watchdog: 10 };

export interface InferenceConfig {
  source?: string;
  model?: string;
  labels?: string;
  conf: number;
  iou: number;
  classes?: (string | number)[];
  fps?: number;
  threads: number;
  watchdog: number;
}

/** `--classes scratch,dent` or `--classes 1,2`. */
function classesFlag(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Adds the detector and source flags to a command. */
export function addInferenceOptions(cmd: Command, sourceHelp: string): Command {
  return cmd
    .option('--source <spec>', sourceHelp)
    .option('--model <file.onnx>', 'ONNX detection model (an Ultralytics export; see docs/inference.md)')
    .option('--labels <file>', "class names, one a line or {0: 'a', 1: 'b'}; overrides the model's names")
    .option('--conf <score>', `score threshold 0..1 (default ${INFERENCE_DEFAULTS.conf})`, numberFlag)
    .option('--iou <iou>', `NMS IoU threshold 0..1 (default ${INFERENCE_DEFAULTS.iou})`, numberFlag)
    .option('--classes <list>', 'keep only these classes, names or ids, comma-separated', classesFlag)
    .option('--fps <n>', 'at most this many frames a second from the source', numberFlag)
    .addOption(
      new Option('--threads <n>', `onnxruntime threads for the model run (default ${INFERENCE_DEFAULTS.threads})`).argParser(integerFlag),
    )
    .option(
      '--watchdog <s>',
      `live streams: restart after this many seconds without a frame (default ${INFERENCE_DEFAULTS.watchdog})`,
      numberFlag,
    );
}

export function detectorOptions(config: InferenceConfig): DetectorOptions {
  if (!config.model) throw new SeamError('SEAM_ERR_CONFIG', 'model is required with a source (--model file.onnx)', { field: 'model' });
  return {
    model: config.model,
    labels: config.labels,
    conf: config.conf,
    iou: config.iou,
    classes: config.classes,
    threads: config.threads,
  };
}

/**
 * `--source` to a frame source (open-frame-source.ts): files, folders and stream URLs go to ffmpeg and sharp,
 * which decode them at their own size (the detector letterboxes every frame the one OpenCV-faithful way);
 * `synthetic` is the conveyor scene. `edge` takes frames as a
 * camera gives them (video files at their own rate, synthetic at 10 fps unless --fps), `detect` as fast as
 * the model takes them.
 */
export async function openSource(config: InferenceConfig, o: { logger: Logger; paced: boolean }): Promise<FrameSource> {
  const spec = config.source!;
  const maxFps = config.fps ?? (o.paced && spec === 'synthetic' ? 10 : undefined);
  // Loaded here, not at import: the sources bring sharp (native), which a command's --help never needs.
  const { openFrameSource } = await import('../../edge/frames/open-frame-source.ts');
  return openFrameSource(spec, { maxFps, watchdogSeconds: config.watchdog, realtime: o.paced, logger: o.logger });
}
