/**
 * Messages that passed the contract as it stood before 2026-12-06 (schema-valid detection.v1 / status.v1)
 * and that some store cannot hold as sent: each was found refused, shifted, rounded or silently dropped by
 * one of the four stores, or is what their encoders and types suggest (control characters, what line
 * protocol must escape, the ends of every range). Each has a camera of its own, so it can be looked up
 * in every store by camera alone. Whatever the store, each must come out stored exactly as sent or
 * dead-lettered with a reason; none may stop or wedge the consumer.
 */
import { v7 as uuidv7 } from 'uuid';
import type { DetectionV1, StatusV1 } from '../../src/contract/index.ts';

export const HOSTILE_SITE = 'hostile';

export interface HostileInput {
  name: string;
  camera: string;
  topic: string;
  payload: Buffer;
  kind: 'detection' | 'status';
  /** What was published, parsed: what a store that keeps it must give back. */
  sent: DetectionV1 | StatusV1 | undefined;
  /** The field the contract names when it refuses this one, or undefined when the contract admits it. */
  contractRefuses?: string;
}

const DAY = 86_400_000;
let n = 0;

function event(camera: string, patch: Record<string, unknown>): Record<string, unknown> {
  const now = Date.now();
  return {
    schema_version: 'detection.v1',
    event_id: uuidv7(),
    region: 'eu',
    site: HOSTILE_SITE,
    camera,
    seq: 5,
    captured_at: new Date(now - 1_000).toISOString(),
    inferred_at: new Date(now - 975).toISOString(),
    model: { name: 'yolov8n', version: '8.1.0' },
    frame: { width: 1280, height: 720 },
    detections: [{ class: 'scratch', class_id: 0, confidence: 0.75, bbox: [100, 120, 40, 30] }],
    ...patch,
  };
}

function status(camera: string, patch: Record<string, unknown>): Record<string, unknown> {
  return {
    schema_version: 'status.v1',
    region: 'eu',
    site: HOSTILE_SITE,
    camera,
    state: 'online',
    at: new Date().toISOString(),
    outbox_depth: 0,
    ...patch,
  };
}

type Build = (camera: string) => Record<string, unknown>;

/** [name, build, field the contract now refuses or undefined] */
const DETECTIONS: [string, Build, string?][] = [
  ['captured on February 30', (c) => event(c, { captured_at: '2026-02-30T08:00:00.000Z' }), 'captured_at'],
  ['captured in month 13', (c) => event(c, { captured_at: '2026-13-01T08:00:00.000Z' }), 'captured_at'],
  ['captured at a leap second', (c) => event(c, { captured_at: '2016-12-31T23:59:60.000Z' }), 'captured_at'],
  ['captured at 24:00', (c) => event(c, { captured_at: '2026-03-01T24:00:00.000Z' }), 'captured_at'],
  [
    'captured in year 0000',
    (c) => event(c, { captured_at: '0000-01-01T00:00:00.000Z', inferred_at: '0000-01-01T00:00:00.025Z' }),
    'captured_at',
  ],
  [
    'captured in year 0001',
    (c) => event(c, { captured_at: '0001-01-01T00:00:00.000Z', inferred_at: '0001-01-01T00:00:00.025Z' }),
    'captured_at',
  ],
  [
    'captured in year 9999',
    (c) => event(c, { captured_at: '9999-12-31T23:59:59.999Z', inferred_at: '9999-12-31T23:59:59.999Z' }),
    'captured_at',
  ],
  [
    'captured a millisecond before 1970',
    (c) => event(c, { captured_at: '1969-12-31T23:59:59.999Z', inferred_at: '1970-01-01T00:00:00.024Z' }),
    'captured_at',
  ],
  ['inferred on February 29 of a year without one', (c) => event(c, { inferred_at: '2027-02-29T00:00:00.000Z' }), 'inferred_at'],
  [
    'captured at the epoch itself (a clock reset to 0)',
    (c) => event(c, { captured_at: '1970-01-01T00:00:00.000Z', inferred_at: '1970-01-01T00:00:00.025Z' }),
  ],
  [
    'captured in 2000 (an RTC battery gone flat)',
    (c) => event(c, { captured_at: '2000-01-01T00:00:07.123Z', inferred_at: '2000-01-01T00:00:07.150Z' }),
  ],
  ['captured on a leap day', (c) => event(c, { captured_at: '2024-02-29T12:00:00.000Z', inferred_at: '2024-02-29T12:00:00.030Z' })],
  [
    'captured three days ahead',
    (c) =>
      event(c, {
        captured_at: new Date(Date.now() + 3 * DAY).toISOString(),
        inferred_at: new Date(Date.now() + 3 * DAY + 20).toISOString(),
      }),
  ],
  [
    'captured at the last instant the contract admits',
    (c) => event(c, { captured_at: '2261-12-31T23:59:59.999Z', inferred_at: '2261-12-31T23:59:59.999Z' }),
  ],
  ['inferred before it was captured', (c) => event(c, { inferred_at: new Date(Date.now() - 60_000).toISOString() })],
  [
    'inferred 291 years after it was captured',
    (c) => event(c, { captured_at: '1970-01-01T00:00:01.000Z', inferred_at: '2261-12-31T23:59:59.999Z' }),
  ],
  ['a NUL in the model name', (c) => event(c, { model: { name: 'yolo\u0000v8', version: '1' } }), 'model.name'],
  ['a newline in the model name', (c) => event(c, { model: { name: 'yolo\nv8', version: '1' } }), 'model.name'],
  ['a carriage return and a tab in the model version', (c) => event(c, { model: { name: 'yolo', version: 'v1\r\t2' } }), 'model.version'],
  ['an unpaired surrogate in the model name', (c) => event(c, { model: { name: 'yolo\ud800', version: '1' } }), 'model.name'],
  ['a C1 control (NEL) in the model version', (c) => event(c, { model: { name: 'yolo', version: '1\u0085' } }), 'model.version'],
  ["line protocol's specials in the model name", (c) => event(c, { model: { name: 'a "b" \\c, d=e f\\', version: 'x=1,y 2' } })],
  ['SQL in the model version', (c) => event(c, { model: { name: "o'brien", version: "1'); DROP TABLE events; --" } })],
  [
    'emoji and CJK at the longest name',
    (c) => event(c, { model: { name: '\u{1F50D}検査'.repeat(42) + '\u{1F50D}', version: 'ß\u{10FFFF}' } }),
  ],
  ['seq 2^53 - 1', (c) => event(c, { seq: Number.MAX_SAFE_INTEGER })],
  [
    'confidence 5e-324 (a subnormal)',
    (c) => event(c, { detections: [{ class: 'scratch', class_id: 0, confidence: 5e-324, bbox: [1, 1, 1, 1] }] }),
  ],
  [
    'confidence 1e-300 and 0.1 + 0.2',
    (c) =>
      event(c, {
        detections: [
          { class: 'a', class_id: 1, confidence: 1e-300, bbox: [0.1, 0.2, 0.30000000000000004, 1e-7] },
          { class: 'b', class_id: 2, confidence: 0.1 + 0.2, bbox: [0, 0, 0, 0] },
        ],
      }),
  ],
  [
    'confidence 0 and 1, a box at 65536',
    (c) =>
      event(c, {
        detections: [
          { class: 'z', class_id: 65535, confidence: 0, bbox: [65536, 65536, 65536, 65536] },
          { class: 'o', class_id: 0, confidence: 1, bbox: [0, 0, 16384, 16384] },
        ],
      }),
  ],
  [
    'a box at 1e308',
    (c) => event(c, { detections: [{ class: 'big', class_id: 3, confidence: 0.5, bbox: [1e308, 0, 1, 1] }] }),
    'detections[0].bbox[0]',
  ],
  [
    '1,000 boxes on a 16384 x 16384 frame',
    (c) =>
      event(c, {
        frame: { width: 16384, height: 16384 },
        detections: Array.from({ length: 1000 }, (_, i) => ({
          class: `c-${i % 7}`,
          class_id: i % 7,
          confidence: (i % 100) / 100,
          bbox: [i, i, 10.5, 3.25],
        })),
      }),
  ],
  ['no boxes at all', (c) => event(c, { detections: [] })],
  [
    "class names at the identifier's edges",
    (c) =>
      event(c, {
        detections: [
          { class: '_', class_id: 0, confidence: 0.5, bbox: [1, 2, 3, 4] },
          { class: 'a'.repeat(64), class_id: 1, confidence: 0.5, bbox: [1, 2, 3, 4] },
          { class: '0-_', class_id: 2, confidence: 0.5, bbox: [1, 2, 3, 4] },
        ],
      }),
  ],
];

const STATUSES: [string, Build, string?][] = [
  // biome-ignore lint/correctness/noPrecisionLoss: a producer's 2^64 - 1, which JSON carries as the nearest double
  ['a heartbeat with an outbox depth of 2^64 - 1', (c) => status(c, { outbox_depth: 18446744073709551615 }), 'outbox_depth'],
  ['a heartbeat with uptime 2^53', (c) => status(c, { uptime_s: 9007199254740992 }), 'uptime_s'],
  ['a heartbeat written on February 30', (c) => status(c, { at: '2026-02-30T00:00:00.000Z' }), 'at'],
  ['a heartbeat with a model time of 5e-324 ms', (c) => status(c, { model_ms_p50: 5e-324 })],
  [
    'a heartbeat with every counter at 2^53 - 1',
    (c) =>
      status(c, {
        outbox_depth: Number.MAX_SAFE_INTEGER,
        outbox_bytes: Number.MAX_SAFE_INTEGER,
        oldest_unsent_ms: Number.MAX_SAFE_INTEGER,
        drops: Number.MAX_SAFE_INTEGER,
        frames: Number.MAX_SAFE_INTEGER,
      }),
  ],
  ['a heartbeat from a clock in 1970', (c) => status(c, { at: '1970-01-01T00:00:00.001Z' })],
];

function input(kind: 'detection' | 'status', name: string, build: Build, field?: string): HostileInput {
  const camera = `h${String(++n).padStart(2, '0')}`;
  const value = build(camera);
  return {
    name,
    camera,
    kind,
    topic: `vision/eu/${HOSTILE_SITE}/${camera}/${kind}`,
    payload: Buffer.from(JSON.stringify(value)),
    sent: field ? undefined : (value as unknown as DetectionV1 | StatusV1),
    contractRefuses: field,
  };
}

/** The corpus; built afresh (new event ids, "now") at each call. */
export function hostileCorpus(): HostileInput[] {
  n = 0;
  return [
    ...DETECTIONS.map(([name, build, field]) => input('detection', name, build, field)),
    ...STATUSES.map(([name, build, field]) => input('status', name, build, field)),
  ];
}
