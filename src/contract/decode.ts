import { DETECTION_V1, DetectionV1Schema, type DetectionV1 } from './detection.ts';
import { SeamError } from './errors.ts';
import { STATUS_V1, StatusV1Schema, type StatusV1 } from './status.ts';
import { parseTopic, type ParsedTopic, type TopicKind } from './topics.ts';
import { assertValid, compile } from './validate.ts';

/** Default bound on one MQTT payload. A detection with 1000 boxes is about 120 KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** `ignoreBOM` keeps a leading byte-order mark in the text, as Buffer's toString did, so JSON.parse refuses it as before. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const validateDetection = compile<DetectionV1>(DetectionV1Schema);
const validateStatus = compile<StatusV1>(StatusV1Schema);

/** Compiles the detection and status validators now rather than at the first message (a consumer starting up). */
export function prepareDecoders(): void {
  validateDetection.prepare();
  validateStatus.prepare();
}

/** The JSON messages; evidence is a header and an image, decoded by evidence-codec.ts. */
type JsonKind = Exclude<TopicKind, 'evidence'>;
const KNOWN_VERSIONS: Record<JsonKind, string> = { detection: DETECTION_V1, status: STATUS_V1 };

export type Decoded =
  | { ok: true; kind: 'detection'; message: DetectionV1 }
  | { ok: true; kind: 'status'; message: StatusV1 }
  | { ok: false; error: SeamError };

export interface DecodeOptions {
  maxPayloadBytes?: number;
}

/** Checks a value (already parsed) against the contract for `kind`; throws a SeamError naming the field. */
export function validateMessage(kind: 'detection', value: unknown): DetectionV1;
export function validateMessage(kind: 'status', value: unknown): StatusV1;
export function validateMessage(kind: JsonKind, value: unknown): DetectionV1 | StatusV1 {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new SeamError('SEAM_ERR_MALFORMED_JSON', `payload must be a JSON object, got ${got}`, { field: 'payload' });
  }
  const version = (value as { schema_version?: unknown }).schema_version;
  if (version !== KNOWN_VERSIONS[kind]) {
    const shown = version === undefined ? 'missing' : JSON.stringify(version);
    throw new SeamError(
      'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
      `schema_version ${shown} is not known on a ${kind} topic (this build reads ${KNOWN_VERSIONS[kind]})`,
      { field: 'schema_version' },
    );
  }
  if (kind === 'detection') {
    assertValid(validateDetection, value, DETECTION_V1);
  } else {
    assertValid(validateStatus, value, STATUS_V1);
  }
  return value as DetectionV1 | StatusV1;
}

function assertSameCamera(topic: ParsedTopic, message: DetectionV1 | StatusV1): void {
  for (const field of ['region', 'site', 'camera'] as const) {
    if (message[field] !== topic[field]) {
      throw new SeamError(
        'SEAM_ERR_TOPIC_MISMATCH',
        `${field} "${message[field]}" in the payload differs from "${topic[field]}" in the topic`,
        { field },
      );
    }
  }
}

/**
 * Topics already parsed and found valid. A line has a few cameras and each publishes on one topic, so
 * this saves a split and three pattern tests per message; it is emptied when full so a stream of bogus
 * topics cannot grow it.
 */
const topics = new Map<string, Readonly<ParsedTopic>>();
const MAX_KNOWN_TOPICS = 4096;

function knownTopic(topic: string): Readonly<ParsedTopic> {
  let parsed = topics.get(topic);
  if (parsed === undefined) {
    parsed = Object.freeze(parseTopic(topic));
    if (topics.size >= MAX_KNOWN_TOPICS) topics.clear();
    topics.set(topic, parsed);
  }
  return parsed;
}

/**
 * Everything the consumer needs to decide about one MQTT message: size, topic, JSON, version,
 * schema, identity. Never throws: poison comes back as `{ ok: false }` with a coded error.
 */
export function decodeMessage(topic: string, payload: Uint8Array, options: DecodeOptions = {}): Decoded {
  const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  try {
    if (payload.byteLength > max) {
      throw new SeamError('SEAM_ERR_PAYLOAD_TOO_LARGE', `payload is ${payload.byteLength} bytes, the limit is ${max}`, {
        field: 'payload',
      });
    }
    const parsedTopic = knownTopic(topic);
    if (parsedTopic.kind === 'evidence') {
      throw new SeamError('SEAM_ERR_BAD_TOPIC', `topic "${topic}" carries evidence images, which decodeEvidence reads`, { field: 'topic' });
    }
    // A fatal decoder refuses a byte that is not UTF-8 (a lenient one would store U+FFFD instead of what was sent),
    // checking and decoding in one pass.
    let text: string;
    try {
      text = UTF8.decode(payload);
    } catch {
      throw new SeamError('SEAM_ERR_MALFORMED_JSON', 'payload is not valid UTF-8 (JSON text must be)', { field: 'payload' });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new SeamError('SEAM_ERR_MALFORMED_JSON', `payload is not valid JSON: ${(cause as Error).message}`, {
        field: 'payload',
        cause,
      });
    }
    if (parsedTopic.kind === 'detection') {
      const message = validateMessage('detection', value);
      assertSameCamera(parsedTopic, message);
      return { ok: true, kind: 'detection', message };
    }
    const message = validateMessage('status', value);
    assertSameCamera(parsedTopic, message);
    return { ok: true, kind: 'status', message };
  } catch (err) {
    if (err instanceof SeamError) return { ok: false, error: err };
    throw err;
  }
}
