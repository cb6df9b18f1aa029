import { Type, type Static } from '@sinclair/typebox';
import { Identifier, Timestamp } from './identifiers.ts';

export const STATUS_V1 = 'status.v1';

/** Counters stop at 2^53 - 1: beyond it a JSON number is not an exact integer, and PostgreSQL's bigint ends at 2^63 - 1. */
const Counter = (description: string) =>
  Type.Optional(
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description, 'x-reason': 'must be an integer from 0 to 2^53 - 1' }),
  );

/**
 * Camera (bridge) liveness, retained on vision/{region}/{site}/{camera}/status.
 * Birth and heartbeats say `online`; the last will says `offline`. Heartbeats carry the counters.
 */
export const StatusV1Schema = Type.Object(
  {
    schema_version: Type.Literal(STATUS_V1),
    region: Identifier('Region; equals the topic segment.'),
    site: Identifier('Site; equals the topic segment.'),
    camera: Identifier('Camera; equals the topic segment.'),
    state: Type.Unsafe<'online' | 'offline'>({
      type: 'string',
      enum: ['online', 'offline'],
      description: '"online" in births and heartbeats, "offline" in the last will and on clean shutdown.',
      'x-reason': 'must be "online" or "offline"',
    }),
    at: Timestamp('When the bridge wrote this status. In the last will: when the bridge connected.'),
    outbox_depth: Counter('Events in the outbox not yet acknowledged by the broker.'),
    outbox_bytes: Counter('Bytes those events occupy.'),
    oldest_unsent_ms: Counter('Age of the oldest unacknowledged event, in milliseconds.'),
    frames: Counter('Frames seen since the bridge started.'),
    detections: Counter('Detections accepted since the bridge started.'),
    drops: Counter('Events dropped by the outbox bound since the bridge started.'),
    uptime_s: Counter('Seconds since the bridge started.'),
    // Added for edge inference (the camera pipeline); absent from bridges fed over HTTP or stdin.
    frames_read: Counter('Frames the frame source delivered since the camera pipeline started.'),
    frames_inferred: Counter('Frames the detector ran on.'),
    frames_skipped: Counter('Frames dropped unseen because inference fell behind the source (oldest waiting frame first).'),
    source_restarts: Counter('Times the frame source was restarted (stream dropped or stalled).'),
    // Added for evidence (issue 25): the edge's images; absent from bridges that capture none.
    evidence_captured: Counter('Evidence images captured (encoded and offered to the image queue) since the bridge started.'),
    evidence_refused: Counter(
      'Evidence images refused: over the size cap, or refused by the image queue (not evidence.v1, meta disagreeing).',
    ),
    evidence_dropped: Counter(
      'Evidence images dropped unsent: the image queue byte bound (oldest first), a failed write, or refused by the broker.',
    ),
    evidence_acked: Counter('Evidence images the broker acknowledged (they left the image queue).'),
    model_ms_p50: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 86_400_000,
        description: 'Median model run (session.run) time over the last 256 frames, milliseconds (at most a day).',
      }),
    ),
  },
  { $id: 'https://seamline.dev/schemas/status.v1.json', additionalProperties: false, title: 'status.v1' },
);

export type StatusV1 = Static<typeof StatusV1Schema>;

/** The status.v1 fields a camera pipeline (edge inference) adds to its bridge's heartbeats. */
export const INFERENCE_STATUS_FIELDS = [
  'frames_read',
  'frames_inferred',
  'frames_skipped',
  'source_restarts',
  'model_ms_p50',
] as const satisfies readonly (keyof StatusV1)[];

export type InferenceCounters = Record<(typeof INFERENCE_STATUS_FIELDS)[number], number>;

/** The status.v1 fields a bridge that captures evidence adds to its heartbeats (issue 25). */
export const EVIDENCE_STATUS_FIELDS = [
  'evidence_captured',
  'evidence_refused',
  'evidence_dropped',
  'evidence_acked',
] as const satisfies readonly (keyof StatusV1)[];

export type EvidenceStatusCounters = Record<(typeof EVIDENCE_STATUS_FIELDS)[number], number>;
