import { Type, type Static } from '@sinclair/typebox';
import { Box, MAX_DETECTIONS_PER_EVENT, MAX_FRAME_SIDE, ModelRef } from './detection.ts';
import { Identifier, Timestamp, UUIDV7_PATTERN } from './identifiers.ts';

export const EVIDENCE_V1 = 'evidence.v1';

/**
 * Largest evidence message, header and image together: under EMQX's default `max_packet_size` (1 MB) with room
 * for the topic and MQTT's own bytes, so a default broker never drops one. The edge refuses larger images at
 * capture, where they can be counted; the consumer dead-letters any that arrive anyway.
 */
export const DEFAULT_MAX_EVIDENCE_BYTES = 1_000_000;

/**
 * The most bytes the edge queue's stamp adds to a header: `,"image_stream":{"id":"<16 hex>","seq":<up to 16
 * digits>}` is 65. The capture leaves this much room under the message cap, so a stamped image still fits.
 */
export const IMAGE_STREAM_STAMP_BYTES = 80;

/** An image stream's id: 64 random bits, lowercase hex (edge/evidence-queue/stream.ts). */
export const IMAGE_STREAM_PATTERN = '^[0-9a-f]{16}$';

/** The only image encoding in v1; the field exists so a later version can add one without a new layout. */
export const EVIDENCE_CONTENT_TYPE = 'image/jpeg';

const Size = (what: string) =>
  Type.Integer({
    minimum: 1,
    maximum: MAX_FRAME_SIDE,
    description: `${what} in pixels.`,
    'x-reason': `must be an integer from 1 to ${MAX_FRAME_SIDE}`,
  });

/**
 * The header of an evidence message: one image of the frame behind one detection event, published on
 * vision/{region}/{site}/{camera}/evidence. The payload is this header as one line of UTF-8 JSON, a newline
 * (0x0A, which JSON text without insignificant whitespace never contains), then exactly `image.bytes` bytes of
 * the image. A binary frame rather than base64 in JSON: a third smaller, and it travels over MQTT 3.1.1, which
 * has no user properties to carry a header beside the bytes.
 */
export const EvidenceV1Schema = Type.Object(
  {
    schema_version: Type.Literal(EVIDENCE_V1),
    event_id: Type.String({
      pattern: UUIDV7_PATTERN,
      description: 'event_id of the detection.v1 event whose frame this is: the identity of the image too (one image per event).',
      'x-reason': 'must be a lowercase UUIDv7',
    }),
    region: Identifier('Region; equals the topic segment and the event.'),
    site: Identifier('Site; equals the topic segment and the event.'),
    camera: Identifier('Camera; equals the topic segment and the event.'),
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "The event's seq." }),
    captured_at: Timestamp("The event's captured_at."),
    model: Type.Optional(
      Type.Object(ModelRef.properties, {
        additionalProperties: false,
        description:
          "The event's model (optional, so an image from an input that does not name one is still valid): what a training export filters on.",
      }),
    ),
    image_stream: Type.Optional(
      Type.Object(
        {
          id: Type.String({
            pattern: IMAGE_STREAM_PATTERN,
            description: "The edge image queue's identity, made once when its folder is created.",
            'x-reason': 'must be 16 lowercase hex digits',
          }),
          seq: Type.Integer({
            minimum: 0,
            maximum: Number.MAX_SAFE_INTEGER,
            description: "This camera's images in that queue, numbered from 0 as they are queued, one for each and no number skipped.",
          }),
        },
        {
          additionalProperties: false,
          description:
            'Stamped by the edge image queue as it stores the image, in the same write: an image_stream.seq the stores never receive is an image lost or dropped after capture, counted (optional, so an edge that does not stamp stays valid).',
        },
      ),
    ),
    frame: Type.Object(
      { width: Size('Frame width'), height: Size('Frame height') },
      { additionalProperties: false, description: "The event's frame size: its boxes are in these pixels." },
    ),
    detections: Type.Array(Box, {
      maxItems: MAX_DETECTIONS_PER_EVENT,
      description:
        "The event's detections, as in detection.v1, in frame pixels: an image carries what it shows, so a viewer or a training export needs no other store.",
    }),
    image: Type.Object(
      {
        content_type: Type.Literal(EVIDENCE_CONTENT_TYPE),
        width: Size('Image width (the frame scaled down to the capture long side, never up)'),
        height: Size('Image height'),
        bytes: Type.Integer({
          minimum: 4,
          maximum: DEFAULT_MAX_EVIDENCE_BYTES,
          description: 'Length of the image after the newline.',
          'x-reason': `must be an integer from 4 to ${DEFAULT_MAX_EVIDENCE_BYTES}`,
        }),
        sha256: Type.String({
          pattern: '^[0-9a-f]{64}$',
          description: 'SHA-256 of the image bytes, lowercase hex: the receiver stores only an image that matches it.',
          'x-reason': 'must be 64 lowercase hex digits',
        }),
      },
      { additionalProperties: false },
    ),
    masked: Type.Boolean({
      description: 'True in crop mode: everything outside the detected boxes (and their margin) is black, so the boxes still line up.',
    }),
  },
  { $id: 'https://seamline.dev/schemas/evidence.v1.json', additionalProperties: false, title: 'evidence.v1' },
);

export type EvidenceV1 = Static<typeof EvidenceV1Schema>;

/** A decoded evidence message: the header and a view of the image bytes (not a copy). */
export interface Evidence {
  header: EvidenceV1;
  image: Buffer;
}
