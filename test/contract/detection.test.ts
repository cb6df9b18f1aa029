import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage, type DetectionV1 } from '../../src/contract/index.ts';
import { makeEvent } from '../helpers/events.ts';

const TOPIC = 'vision/eu/plant-1/cam-01/detection';
const encode = (v: unknown) => Buffer.from(JSON.stringify(v));
const box = makeEvent().detections[0];

/** [what is wrong, payload, expected code, expected field] */
const cases: [string, unknown, string, string][] = [
  ['camera with an uppercase letter', { ...makeEvent(), camera: 'Cam-01' }, 'SEAM_ERR_SCHEMA_VIOLATION', 'camera'],
  ['region with a slash', { ...makeEvent(), region: 'eu/west' }, 'SEAM_ERR_SCHEMA_VIOLATION', 'region'],
  ['site that is empty', { ...makeEvent(), site: '' }, 'SEAM_ERR_SCHEMA_VIOLATION', 'site'],
  ['camera of 65 characters', { ...makeEvent(), camera: 'c'.repeat(65) }, 'SEAM_ERR_SCHEMA_VIOLATION', 'camera'],
  [
    'class with a space',
    { ...makeEvent(), detections: [{ ...box, class: 'bad class' }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].class',
  ],
  ['seq as a string', { ...makeEvent(), seq: '7' }, 'SEAM_ERR_SCHEMA_VIOLATION', 'seq'],
  ['seq negative', { ...makeEvent(), seq: -1 }, 'SEAM_ERR_SCHEMA_VIOLATION', 'seq'],
  ['seq fractional', { ...makeEvent(), seq: 1.5 }, 'SEAM_ERR_SCHEMA_VIOLATION', 'seq'],
  [
    'confidence above 1',
    { ...makeEvent(), detections: [{ ...box, confidence: 1.01 }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].confidence',
  ],
  [
    'confidence below 0',
    { ...makeEvent(), detections: [box, { ...box, confidence: -0.1 }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[1].confidence',
  ],
  [
    'confidence as a string',
    { ...makeEvent(), detections: [{ ...box, confidence: '0.9' }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].confidence',
  ],
  [
    'bbox with three numbers',
    { ...makeEvent(), detections: [{ ...box, bbox: [1, 2, 3] }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].bbox',
  ],
  [
    'bbox with a negative width',
    { ...makeEvent(), detections: [{ ...box, bbox: [1, 2, -3, 4] }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].bbox[2]',
  ],
  [
    'class_id fractional',
    { ...makeEvent(), detections: [{ ...box, class_id: 0.5 }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].class_id',
  ],
  [
    'a detection without class',
    { ...makeEvent(), detections: [{ class_id: 1, confidence: 0.5, bbox: [0, 0, 1, 1] }] },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'detections[0].class',
  ],
  [
    'event_id that is a UUIDv4',
    { ...makeEvent(), event_id: '3b241101-e2bb-4255-8caf-4136c566a962' },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'event_id',
  ],
  ['event_id in uppercase', { ...makeEvent(), event_id: makeEvent().event_id.toUpperCase() }, 'SEAM_ERR_SCHEMA_VIOLATION', 'event_id'],
  ['captured_at without milliseconds', { ...makeEvent(), captured_at: '2026-11-24T08:00:00Z' }, 'SEAM_ERR_SCHEMA_VIOLATION', 'captured_at'],
  [
    'inferred_at with an offset',
    { ...makeEvent(), inferred_at: '2026-11-24T08:00:00.000+01:00' },
    'SEAM_ERR_SCHEMA_VIOLATION',
    'inferred_at',
  ],
  ['frame width zero', { ...makeEvent(), frame: { width: 0, height: 720 } }, 'SEAM_ERR_SCHEMA_VIOLATION', 'frame.width'],
  ['model without version', { ...makeEvent(), model: { name: 'yolo' } }, 'SEAM_ERR_SCHEMA_VIOLATION', 'model.version'],
  ['a field the contract does not have', { ...makeEvent(), operator: 'x' }, 'SEAM_ERR_SCHEMA_VIOLATION', 'operator'],
  ['detections missing', (({ detections, ...rest }: DetectionV1) => rest)(makeEvent()), 'SEAM_ERR_SCHEMA_VIOLATION', 'detections'],
  ['1001 detections', { ...makeEvent(), detections: Array(1001).fill(box) }, 'SEAM_ERR_SCHEMA_VIOLATION', 'detections'],
  ['camera differs from the topic', { ...makeEvent(), camera: 'cam-02' }, 'SEAM_ERR_TOPIC_MISMATCH', 'camera'],
  ['site differs from the topic', { ...makeEvent(), site: 'plant-2' }, 'SEAM_ERR_TOPIC_MISMATCH', 'site'],
  ['region differs from the topic', { ...makeEvent(), region: 'us' }, 'SEAM_ERR_TOPIC_MISMATCH', 'region'],
  [
    'schema_version from the future',
    { ...makeEvent(), schema_version: 'detection.v2' },
    'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
    'schema_version',
  ],
  [
    'schema_version missing',
    (({ schema_version, ...rest }: DetectionV1) => rest)(makeEvent()),
    'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
    'schema_version',
  ],
  ['a status on a detection topic', { schema_version: 'status.v1' }, 'SEAM_ERR_UNKNOWN_SCHEMA_VERSION', 'schema_version'],
  ['a JSON array', [makeEvent()], 'SEAM_ERR_MALFORMED_JSON', 'payload'],
  ['JSON null', null, 'SEAM_ERR_MALFORMED_JSON', 'payload'],
];

for (const [what, payload, code, field] of cases) {
  test(`rejects a detection with ${what}, naming ${field}`, { timeout: 10_000 }, () => {
    const result = decodeMessage(TOPIC, encode(payload));
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.code, code);
    assert.equal(result.error.field, field);
    assert.match(result.error.message, new RegExp(field.replace(/[[\]().]/g, '\\$&')));
  });
}

test('accepts a valid detection and returns it typed', { timeout: 10_000 }, () => {
  const event = makeEvent({ region: 'eu', site: 'plant-1', camera: 'cam-01' });
  const result = decodeMessage(TOPIC, encode(event));
  assert.ok(result.ok && result.kind === 'detection');
  assert.deepEqual(result.message, event);
});

test('accepts an event with no detections and with confidence exactly 0 and 1', { timeout: 10_000 }, () => {
  assert.ok(decodeMessage(TOPIC, encode(makeEvent({ detections: [] }))).ok);
  const edges = makeEvent({
    detections: [
      { ...box, confidence: 0 },
      { ...box, confidence: 1 },
    ],
  });
  assert.ok(decodeMessage(TOPIC, encode(edges)).ok);
});

test('rejects a payload that is not JSON, naming the payload', { timeout: 10_000 }, () => {
  const result = decodeMessage(TOPIC, Buffer.from('{"schema_version": "detection.v1",'));
  assert.ok(!result.ok && result.error.code === 'SEAM_ERR_MALFORMED_JSON' && result.error.field === 'payload');
});

test('rejects bytes that are not UTF-8 and a leading byte-order mark; decodes multi-byte text exactly', { timeout: 10_000 }, () => {
  const event = makeEvent({ model: { name: 'yolov8n-prüfung', version: '1' } });
  const bytes = encode(event);
  const decoded = decodeMessage(TOPIC, bytes);
  assert.ok(decoded.ok && decoded.kind === 'detection', JSON.stringify(decoded));
  assert.equal(decoded.message.model.name, 'yolov8n-prüfung');
  // The same payload with one byte of its text replaced by 0xff (a lone continuation byte would do the same).
  const broken = Buffer.from(bytes);
  broken[bytes.indexOf('prüfung') + 1] = 0xff;
  const notUtf8 = decodeMessage(TOPIC, broken);
  assert.ok(!notUtf8.ok && notUtf8.error.code === 'SEAM_ERR_MALFORMED_JSON' && notUtf8.error.field === 'payload');
  assert.match(notUtf8.error.message, /not valid UTF-8/);
  const bom = decodeMessage(TOPIC, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]));
  assert.ok(!bom.ok && bom.error.code === 'SEAM_ERR_MALFORMED_JSON', 'JSON text has no byte-order mark');
  // A payload that is a slice of a larger buffer (as the MQTT reader hands them over) decodes only its own bytes.
  const framed = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from([0xff])]).subarray(2, 2 + bytes.length);
  assert.ok(decodeMessage(TOPIC, framed).ok);
});

test('rejects a payload over the size limit before parsing it', { timeout: 10_000 }, () => {
  const big = Buffer.alloc(300 * 1024, 0x20);
  const result = decodeMessage(TOPIC, big);
  assert.ok(!result.ok && result.error.code === 'SEAM_ERR_PAYLOAD_TOO_LARGE');
  assert.match(result.error.message, /307200 bytes, the limit is 262144/);
  const small = decodeMessage(TOPIC, encode(makeEvent()), { maxPayloadBytes: 100 });
  assert.ok(!small.ok && small.error.code === 'SEAM_ERR_PAYLOAD_TOO_LARGE');
});

test('rejects a message on a topic outside the contract', { timeout: 10_000 }, () => {
  const result = decodeMessage('vision/eu/plant-1/detection', encode(makeEvent()));
  assert.ok(!result.ok && result.error.code === 'SEAM_ERR_BAD_TOPIC');
});
