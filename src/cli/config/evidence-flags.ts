import { Type } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { EvidenceCaptureOptions } from '../../edge/evidence/capture.ts';
import { DEFAULT_ENCODER } from '../../edge/evidence/encoder.ts';
import { DEFAULT_CAPTURE_POLICY } from '../../edge/evidence/policy.ts';
import { DEFAULT_EVIDENCE_QUEUE_BYTES } from '../../edge/evidence-queue/options.ts';
import { integerFlag, numberFlag } from './flags.ts';

/** Config keys of evidence capture on `seamline edge` (model frames and the images HTTP/stdin records carry; docs/evidence.md). */
export const EvidenceConfigFields = {
  evidence: Type.Boolean({ description: 'Keep images of frames the capture policy picks and send them as evidence.v1.' }),
  evidenceClasses: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: 'Capture only these classes (default every class).' }),
  ),
  evidenceExclude: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Never capture these classes, e.g. part.' })),
  evidenceMinConfidence: Type.Number({ minimum: 0, maximum: 1, description: 'Lowest detection score that may be captured.' }),
  evidenceInterval: Type.Number({ minimum: 0, maximum: 86_400, description: 'Seconds between images of one class on this camera.' }),
  evidenceLongSide: Type.Integer({ minimum: 16, maximum: 16_384, description: 'Images are scaled down to this long side.' }),
  evidenceCrop: Type.Boolean({ description: 'Black out everything outside the detected boxes and their margin.' }),
  evidenceQueueBytes: Type.Integer({ minimum: 1_048_576, description: 'Byte bound of the on-disk image queue (drop-oldest).' }),
  evidenceBytesPerSecond: Type.Integer({
    minimum: 0,
    description: 'Bytes a second the images may take of the uplink on average; 0 no limit.',
  }),
};

export const EVIDENCE_DEFAULTS = {
  evidence: true,
  evidenceMinConfidence: DEFAULT_CAPTURE_POLICY.minConfidence,
  evidenceInterval: DEFAULT_CAPTURE_POLICY.intervalSeconds,
  evidenceLongSide: DEFAULT_ENCODER.longSide,
  evidenceCrop: DEFAULT_ENCODER.crop,
  evidenceQueueBytes: DEFAULT_EVIDENCE_QUEUE_BYTES,
  evidenceBytesPerSecond: 0,
};

export interface EvidenceConfig {
  evidence: boolean;
  evidenceClasses?: string[];
  evidenceExclude?: string[];
  evidenceMinConfidence: number;
  evidenceInterval: number;
  evidenceLongSide: number;
  evidenceCrop: boolean;
  evidenceQueueBytes: number;
  evidenceBytesPerSecond: number;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Adds the evidence capture flags to `seamline edge`. */
export function addEvidenceOptions(cmd: Command): Command {
  const d = EVIDENCE_DEFAULTS;
  return cmd
    .option(
      '--no-evidence',
      'keep no images (evidence capture is on with --source and --model, and for the images HTTP/stdin records carry; docs/evidence.md)',
    )
    .option('--evidence-classes <list>', 'capture only these classes, comma-separated (default every class)', list)
    .option('--evidence-exclude <list>', 'never capture these classes, comma-separated, e.g. part', list)
    .option('--evidence-min-confidence <score>', `lowest score captured (default ${d.evidenceMinConfidence})`, numberFlag)
    .option(
      '--evidence-interval <s>',
      `seconds between images of one class (default ${d.evidenceInterval}); a new burst is always kept`,
      numberFlag,
    )
    .option('--evidence-long-side <px>', `scale images down to this long side (default ${d.evidenceLongSide})`, integerFlag)
    .option('--evidence-crop', 'black out everything outside the detected boxes (plants where the frame shows people)')
    .option(
      '--evidence-queue-bytes <n>',
      `byte bound of the on-disk image queue, oldest dropped first (default ${d.evidenceQueueBytes})`,
      integerFlag,
    )
    .option('--evidence-bytes-per-second <n>', 'average bytes a second images may take of the uplink, 0 no limit (default 0)', integerFlag);
}

/** The capture's policy and encoder settings from a config; the camera and the sink come from the bridge. */
export function captureSettings(c: EvidenceConfig): Omit<EvidenceCaptureOptions, 'camera' | 'sink' | 'logger'> {
  return {
    classes: c.evidenceClasses,
    exclude: c.evidenceExclude,
    minConfidence: c.evidenceMinConfidence,
    intervalSeconds: c.evidenceInterval,
    longSide: c.evidenceLongSide,
    crop: c.evidenceCrop,
  };
}
