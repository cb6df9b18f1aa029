import { v7 as uuidv7 } from 'uuid';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  DETECTION_V1,
  SeamError,
  cameraKey,
  detectionTopic,
  isSeamError,
  validateMessage,
  type CameraId,
  type DetectionV1,
} from '../../contract/index.ts';

/**
 * What a producer hands the bridge: the detection.v1 fields without the ones the bridge assigns
 * (`schema_version`, `event_id`, `seq`). `region`, `site` and `camera` default to the bridge's own.
 */
export type EdgeDetectionInput = Omit<DetectionV1, 'schema_version' | 'event_id' | 'seq' | 'region' | 'site' | 'camera'> &
  Partial<Pick<DetectionV1, 'region' | 'site' | 'camera'>>;

/** An input turned into a valid message, with everything the outbox needs to store it. */
export interface PreparedDetection {
  message: DetectionV1;
  topic: string;
  /** Key of the per-camera seq counter: region/site/camera. */
  stream: string;
}

const ASSIGNED = ['event_id', 'seq'] as const;

function refuse(field: string, reason: string, cause?: unknown): never {
  throw new SeamError('SEAM_ERR_INVALID_INPUT', `${field} ${reason}`, { field, cause });
}

/**
 * Checks an input against detection.v1 and builds the message with a fresh UUIDv7 and a placeholder
 * seq; the caller sets `message.seq` from the outbox in the same turn. Throws SEAM_ERR_INVALID_INPUT
 * naming the field and the reason.
 */
export function prepareDetection(input: unknown, defaults: CameraId): PreparedDetection {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) refuse('(root)', 'must be a JSON object');
  const record = input as Record<string, unknown>;
  for (const field of ASSIGNED) {
    if (record[field] !== undefined) refuse(field, 'is assigned by the edge bridge; leave it out');
  }
  if (record.schema_version !== undefined && record.schema_version !== DETECTION_V1) {
    refuse('schema_version', `must be "${DETECTION_V1}" or left out`);
  }
  const { schema_version: _v, region, site, camera, ...rest } = record;
  const message = {
    schema_version: DETECTION_V1,
    event_id: uuidv7(),
    region: region ?? defaults.region,
    site: site ?? defaults.site,
    camera: camera ?? defaults.camera,
    seq: 0,
    ...rest,
  };
  try {
    validateMessage('detection', message);
  } catch (err) {
    if (isSeamError(err)) refuse(err.field ?? '(root)', err.message.replace(/^detection\.v1: \S+ /, ''), err);
    throw err;
  }
  const id = message as DetectionV1;
  return { message: id, topic: detectionTopic(id), stream: cameraKey(id) };
}

/** Serialises a prepared message; refuses one the consumer would dead-letter as oversize. */
export function encodeDetection(message: DetectionV1, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): Buffer {
  const payload = Buffer.from(JSON.stringify(message));
  if (payload.byteLength > maxPayloadBytes) {
    refuse('(root)', `encodes to ${payload.byteLength} bytes, above the ${maxPayloadBytes}-byte payload limit`);
  }
  return payload;
}
