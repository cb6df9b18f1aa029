/**
 * The disk of a `--cameras` host split between its cameras: `--max-bytes` (outbox) and `--evidence-queue-bytes`
 * (image queue) are the host's totals; a camera of the file may set its own (`maxBytes`, `evidenceQueueBytes`)
 * and the cameras that set none share what is left equally. The replay window keeps the host's proportion:
 * each camera's is `--replay-max-bytes` scaled by its outbox share.
 */
import { SeamError } from '../../contract/index.ts';
import type { CameraEntry, EdgeConfig } from '../config/edge.ts';

/** The least a camera's outbox or image queue may get: the flags' own minimum, 1 MiB. */
export const MIN_CAMERA_SHARE = 1_048_576;

/** What one camera's outbox and image queue are bounded to. */
export interface CameraDiskShare {
  camera: string;
  maxBytes: number;
  replayMaxBytes: number;
  /** 0 when evidence is off (no image queue is opened). */
  evidenceQueueBytes: number;
}

type SplitField = 'maxBytes' | 'evidenceQueueBytes';
const FLAG: Record<SplitField, string> = { maxBytes: '--max-bytes', evidenceQueueBytes: '--evidence-queue-bytes' };

/** One total split: the cameras' own figures first, the rest equally; SEAM_ERR_CONFIG naming the field when it cannot be. */
function split(cameras: readonly CameraEntry[], field: SplitField, total: number): number[] {
  let claimed = 0;
  cameras.forEach((c, i) => {
    const own = c[field];
    if (own === undefined) return;
    claimed += own;
    if (claimed > total) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `cameras[${i}].${field}: the cameras' own ${field} add up to ${claimed} bytes by cameras[${i}], ` +
          `more than ${FLAG[field]} ${total}, the host's total`,
        { field: `cameras[${i}].${field}` },
      );
    }
  });
  const rest = cameras.filter((c) => c[field] === undefined).length;
  const share = rest > 0 ? Math.floor((total - claimed) / rest) : 0;
  if (rest > 0 && share < MIN_CAMERA_SHARE) {
    const after = claimed > 0 ? ` after the ${claimed} bytes the cameras' own ${field} take` : '';
    throw new SeamError(
      'SEAM_ERR_CONFIG',
      `${field} (${FLAG[field]}) ${total} split between ${rest} cameras${after} leaves ${share} bytes each, ` +
        `below the minimum of ${MIN_CAMERA_SHARE}: raise ${FLAG[field]} or lower the cameras' own ${field}`,
      { field },
    );
  }
  return cameras.map((c) => c[field] ?? share);
}

/** Each camera's bounds, in the file's order; refused (SEAM_ERR_CONFIG with the field) before anything opens. */
export function cameraDiskShares(cameras: readonly CameraEntry[], config: EdgeConfig): CameraDiskShare[] {
  const outbox = split(cameras, 'maxBytes', config.maxBytes);
  const images = config.evidence ? split(cameras, 'evidenceQueueBytes', config.evidenceQueueBytes) : undefined;
  return cameras.map((c, i) => ({
    camera: c.camera,
    maxBytes: outbox[i],
    replayMaxBytes: Math.min(outbox[i], Math.floor(config.replayMaxBytes * (outbox[i] / config.maxBytes))),
    evidenceQueueBytes: images?.[i] ?? 0,
  }));
}
