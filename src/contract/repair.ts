import { Type, type Static } from '@sinclair/typebox';
import { SeamError } from './errors.ts';
import { Identifier, IDENTIFIER_RULE, isIdentifier, Timestamp, UUIDV7_PATTERN } from './identifiers.ts';
import { TOPIC_ROOT, type CameraId } from './topics.ts';
import { assertValid, compile } from './validate.ts';

/**
 * End-to-end repair (guarantee 6): a consumer-side repairer asks the bridge that owns a camera for seq
 * ranges the store is missing; the bridge republishes what its replay window still holds, with the
 * original bytes, on the camera's normal detection topic, and answers for every range. Both messages are
 * new, on topics of their own, so consumers that predate them never see them. See docs/contract.md.
 */
export const REPAIR_REQUEST_V1 = 'repair-request.v1';
export const REPAIR_ANSWER_V1 = 'repair-answer.v1';
export const REPAIR_REQUEST = 'repair-request';
export const REPAIR_ANSWER = 'repair-answer';
/** What repairers subscribe to: every bridge's answers and announcements. */
export const REPAIR_ANSWER_FILTER = `${TOPIC_ROOT}/+/+/+/${REPAIR_ANSWER}`;
/** Ranges in one request; a repairer with more asks again. */
export const MAX_REPAIR_RANGES = 256;

const Seq = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const Uuid = (description: string) => Type.String({ pattern: UUIDV7_PATTERN, description, 'x-reason': 'must be a lowercase UUIDv7' });

const Range = Type.Object(
  { from: Seq('First seq of the range.'), to: Seq('Last seq of the range (inclusive), >= from.') },
  { additionalProperties: false },
);

/** Sent by a repairer on vision/{region}/{site}/{camera}/repair-request, QoS 1, not retained. */
export const RepairRequestV1Schema = Type.Object(
  {
    schema_version: Type.Literal(REPAIR_REQUEST_V1),
    request_id: Uuid('Chosen by the requester; the answer carries it back.'),
    region: Identifier('Region; equals the topic segment.'),
    site: Identifier('Site; equals the topic segment.'),
    camera: Identifier('Camera; equals the topic segment.'),
    incarnation: Uuid('The outbox incarnation the ranges belong to, as the bridge announced it. Another one answers outbox_reset.'),
    ranges: Type.Array(Range, { minItems: 1, maxItems: MAX_REPAIR_RANGES, description: 'Seq ranges the store is missing.' }),
    requested_at: Timestamp('When the repairer sent it.'),
    requester: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Client id of the repairer, for logs.' })),
  },
  { $id: 'https://seamline.dev/schemas/repair-request.v1.json', additionalProperties: false, title: REPAIR_REQUEST_V1 },
);

/**
 * The outcome of a range:
 * - `republished`: the bridge still had these and published them again, byte for byte, on the detection topic.
 * - `pending`: not yet acknowledged by the broker; the bridge is still sending them (ask again later).
 * - `busy`: the bridge has more republishing queued than it takes at once (ask again later).
 * - `evicted`: acknowledged by the broker and since gone from the replay window (space, bound or age). Lost.
 * - `dropped`: dropped by the outbox's byte bound before the broker acknowledged them. Lost.
 * - `never_produced`: beyond the last seq this outbox assigned: there is no such event. Nothing was lost.
 * - `outbox_reset`: the ranges belong to another incarnation: this outbox is new (its disk was lost or
 *   replaced) and has nothing from before. Lost.
 */
export const REPAIR_OUTCOMES = ['republished', 'pending', 'busy', 'evicted', 'dropped', 'never_produced', 'outbox_reset'] as const;
export type RepairOutcome = (typeof REPAIR_OUTCOMES)[number];

const AnsweredRange = Type.Object(
  {
    from: Seq('First seq of the range.'),
    to: Seq('Last seq of the range (inclusive).'),
    outcome: Type.Unsafe<RepairOutcome>({
      type: 'string',
      enum: [...REPAIR_OUTCOMES],
      description: 'What the bridge did, or why it could not.',
      'x-reason': `must be one of ${REPAIR_OUTCOMES.join(', ')}`,
    }),
  },
  { additionalProperties: false },
);

const OptionalSeq = (description: string) => Type.Optional(Seq(description));

/**
 * Sent by a bridge on vision/{region}/{site}/{camera}/repair-answer, QoS 1: `answer` for a request (not
 * retained), or `announce` on every connect and every minute (retained), saying who the outbox is and
 * how far the camera's seqs go, so that a repairer can see the loss of the newest events too.
 */
export const RepairAnswerV1Schema = Type.Object(
  {
    schema_version: Type.Literal(REPAIR_ANSWER_V1),
    kind: Type.Unsafe<'answer' | 'announce'>({
      type: 'string',
      enum: ['answer', 'announce'],
      description: '"answer" to a request, or "announce" (unasked, retained).',
      'x-reason': 'must be "answer" or "announce"',
    }),
    request_id: Type.Optional(Uuid('The request answered (answers only).')),
    region: Identifier('Region; equals the topic segment.'),
    site: Identifier('Site; equals the topic segment.'),
    camera: Identifier('Camera; equals the topic segment.'),
    incarnation: Uuid('The bridge outbox incarnation: minted when its data directory was first used.'),
    incarnation_started_at: Timestamp('When that incarnation began.'),
    first_seq: Seq("This camera's first seq in this incarnation."),
    last_seq: Seq("This camera's last seq assigned so far (0: none yet)."),
    stored_from: OptionalSeq('Oldest seq still in the outbox (waiting or in the replay window); absent when none is.'),
    unacked_from: OptionalSeq('Oldest seq not yet acknowledged by the broker; absent when every stored one was.'),
    at: Timestamp('When the bridge wrote this.'),
    ranges: Type.Array(AnsweredRange, {
      maxItems: 4 * MAX_REPAIR_RANGES + 2,
      description: 'Every requested seq, in order (answers; empty in announcements).',
    }),
  },
  { $id: 'https://seamline.dev/schemas/repair-answer.v1.json', additionalProperties: false, title: REPAIR_ANSWER_V1 },
);

export type RepairRequestV1 = Static<typeof RepairRequestV1Schema>;
export type RepairAnswerV1 = Static<typeof RepairAnswerV1Schema>;
export type RepairRange = { from: number; to: number };

const validateRequest = compile<RepairRequestV1>(RepairRequestV1Schema);
const validateAnswer = compile<RepairAnswerV1>(RepairAnswerV1Schema);

function topicOf(id: CameraId, kind: string): string {
  for (const field of ['region', 'site', 'camera'] as const) {
    if (!isIdentifier(id[field])) {
      throw new SeamError('SEAM_ERR_INVALID_INPUT', `${field} "${String(id[field])}" must be ${IDENTIFIER_RULE}`, { field });
    }
  }
  return `${TOPIC_ROOT}/${id.region}/${id.site}/${id.camera}/${kind}`;
}

export const repairRequestTopic = (id: CameraId) => topicOf(id, REPAIR_REQUEST);
export const repairAnswerTopic = (id: CameraId) => topicOf(id, REPAIR_ANSWER);

export type RepairDecoded<T> = { ok: true; message: T } | { ok: false; error: SeamError };

function decodeOn<T extends CameraId & { schema_version: string }>(
  kind: string,
  version: string,
  validate: ReturnType<typeof compile<T>>,
  topic: string,
  payload: Uint8Array,
): RepairDecoded<T> {
  try {
    const parts = topic.split('/');
    if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[4] !== kind || !parts.slice(1, 4).every(isIdentifier)) {
      throw new SeamError('SEAM_ERR_BAD_TOPIC', `topic "${topic}" is not ${TOPIC_ROOT}/{region}/{site}/{camera}/${kind}`, {
        field: 'topic',
      });
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    } catch (cause) {
      throw new SeamError('SEAM_ERR_MALFORMED_JSON', `payload is not valid JSON: ${(cause as Error).message}`, { field: 'payload', cause });
    }
    const got = (value as { schema_version?: unknown } | null)?.schema_version;
    if (typeof value !== 'object' || value === null || got !== version) {
      throw new SeamError(
        'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
        `schema_version ${JSON.stringify(got)} is not known on a ${kind} topic (this build reads ${version})`,
        {
          field: 'schema_version',
        },
      );
    }
    assertValid(validate, value, version);
    const message = value as T;
    for (const [i, field] of (['region', 'site', 'camera'] as const).entries()) {
      if (message[field] !== parts[i + 1]) {
        throw new SeamError(
          'SEAM_ERR_TOPIC_MISMATCH',
          `${field} "${message[field]}" in the payload differs from "${parts[i + 1]}" in the topic`,
          { field },
        );
      }
    }
    return { ok: true, message };
  } catch (err) {
    if (err instanceof SeamError) return { ok: false, error: err };
    throw err;
  }
}

/** Checks a repair request as the bridge receives it; never throws. Also refuses a range with to < from. */
export function decodeRepairRequest(topic: string, payload: Uint8Array): RepairDecoded<RepairRequestV1> {
  const decoded = decodeOn(REPAIR_REQUEST, REPAIR_REQUEST_V1, validateRequest, topic, payload);
  if (decoded.ok) {
    const i = decoded.message.ranges.findIndex((r) => r.to < r.from);
    if (i >= 0) {
      return {
        ok: false,
        error: new SeamError('SEAM_ERR_SCHEMA_VIOLATION', `${REPAIR_REQUEST_V1}: ranges[${i}].to must be >= ranges[${i}].from`, {
          field: `ranges[${i}].to`,
        }),
      };
    }
  }
  return decoded;
}

/** Checks a repair answer or announcement as a repairer receives it; never throws. */
export function decodeRepairAnswer(topic: string, payload: Uint8Array): RepairDecoded<RepairAnswerV1> {
  return decodeOn(REPAIR_ANSWER, REPAIR_ANSWER_V1, validateAnswer, topic, payload);
}
