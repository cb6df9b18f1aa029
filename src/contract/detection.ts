import { Type, type Static } from '@sinclair/typebox';
import { Identifier, Text, Timestamp, UUIDV7_PATTERN } from './identifiers.ts';

export const DETECTION_V1 = 'detection.v1';
/** Upper bound on boxes per event; a frame with more is a producer bug, not a busy line. */
export const MAX_DETECTIONS_PER_EVENT = 1000;
/** Largest frame side; a box may reach past the frame's edge, but not past four frames of the largest size. */
export const MAX_FRAME_SIDE = 16384;
export const MAX_BBOX_VALUE = 4 * MAX_FRAME_SIDE;

/** One detected object; also what evidence.v1 repeats of its event (evidence.ts). */
export const Box = Type.Object(
  {
    class: Identifier('Class name as the model labels it, e.g. "scratch".'),
    class_id: Type.Integer({ minimum: 0, maximum: 65535, description: 'Class index in the model.' }),
    confidence: Type.Number({ minimum: 0, maximum: 1, description: 'Detector score, 0..1.' }),
    bbox: Type.Array(
      Type.Number({ minimum: 0, maximum: MAX_BBOX_VALUE, 'x-reason': `must be a number from 0 to ${MAX_BBOX_VALUE} (pixels)` }),
      {
        minItems: 4,
        maxItems: 4,
        description: 'Bounding box [x, y, w, h] in pixels of the frame, origin top-left.',
        'x-reason': `must be [x, y, w, h]: four numbers from 0 to ${MAX_BBOX_VALUE} (pixels)`,
      },
    ),
  },
  { additionalProperties: false },
);

/** One inference result for one frame of one camera, published on vision/{region}/{site}/{camera}/detection. */
/** The model that produced a frame's detections: an event names it, and so does the image of its frame. */
export const ModelRef = Type.Object(
  {
    name: Text('Model name as its exporter wrote it, e.g. "yolo11n-scratches".', 128),
    version: Text('Model version, e.g. "2026-11-20" or "v3".', 64),
  },
  { additionalProperties: false, description: 'The model that produced the detections.' },
);

export const DetectionV1Schema = Type.Object(
  {
    schema_version: Type.Literal(DETECTION_V1),
    event_id: Type.String({
      pattern: UUIDV7_PATTERN,
      description: 'UUIDv7 assigned once, at the edge, when the bridge accepts the event. The identity of the event.',
      'x-reason': 'must be a lowercase UUIDv7',
    }),
    region: Identifier('Region; equals the topic segment.'),
    site: Identifier('Site (plant); equals the topic segment.'),
    camera: Identifier('Camera; equals the topic segment.'),
    seq: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Per-camera sequence number, +1 per event, persisted across restarts; gaps reveal loss.',
    }),
    captured_at: Timestamp('When the frame was captured.'),
    inferred_at: Timestamp('When inference on the frame finished.'),
    model: ModelRef,
    frame: Type.Object(
      {
        width: Type.Integer({ minimum: 1, maximum: MAX_FRAME_SIDE }),
        height: Type.Integer({ minimum: 1, maximum: MAX_FRAME_SIDE }),
      },
      { additionalProperties: false, description: 'Frame size in pixels.' },
    ),
    detections: Type.Array(Box, {
      maxItems: MAX_DETECTIONS_PER_EVENT,
      description: 'Objects found in the frame; may be empty.',
    }),
  },
  { $id: 'https://seamline.dev/schemas/detection.v1.json', additionalProperties: false, title: 'detection.v1' },
);

export type DetectionV1 = Static<typeof DetectionV1Schema>;
export type Detection = DetectionV1['detections'][number];
export type ModelRef = Static<typeof ModelRef>;
