import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeEvidence, decodeMessage, encodeEvidence, evidenceTopic, sha256Hex, type EvidenceFields } from '../../src/contract/index.ts';

const ID = { region: 'eu', site: 'plant-1', camera: 'cam-01' };
const TOPIC = evidenceTopic(ID);
const FIELDS: EvidenceFields = {
  ...ID,
  event_id: '019ae1c2-7b00-7000-8000-000000000001',
  seq: 41,
  captured_at: '2026-12-06T08:00:00.000Z',
  frame: { width: 640, height: 480 },
  detections: [{ class: 'crack', class_id: 2, confidence: 0.87, bbox: [100, 120, 40, 12] }],
  image: { width: 64, height: 48 },
  masked: false,
};

/** A real JPEG, as the edge's encoder makes one. */
async function jpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  return sharp(raw, { raw: { width: 64, height: 48, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** A payload with the header rewritten and the image as given: what a broken or hostile producer sends. */
function forged(header: Record<string, unknown>, image: Buffer): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(header)), Buffer.from('\n'), image]);
}

const headerOf = (payload: Buffer) => JSON.parse(payload.subarray(0, payload.indexOf(10)).toString());

test('an evidence message round-trips: the image byte-identical, the header with its length and digest', { timeout: 10_000 }, async () => {
  const image = await jpeg();
  const payload = encodeEvidence(FIELDS, image);
  const decoded = decodeEvidence(TOPIC, payload);
  assert.ok(decoded.ok, JSON.stringify(!decoded.ok && decoded.error));
  assert.ok(decoded.evidence.image.equals(image));
  assert.deepEqual(decoded.evidence.header.image, {
    content_type: 'image/jpeg',
    width: 64,
    height: 48,
    bytes: image.byteLength,
    sha256: sha256Hex(image),
  });
  assert.equal(decoded.evidence.header.event_id, FIELDS.event_id);
  assert.equal(payload.byteLength, image.byteLength + Buffer.byteLength(JSON.stringify(decoded.evidence.header)) + 1);
});

test('refuses each broken evidence message with its code and the field at fault', { timeout: 10_000 }, async () => {
  const image = await jpeg();
  const good = encodeEvidence(FIELDS, image);
  const header = headerOf(good);
  const flipped = Buffer.from(image);
  flipped[image.length >> 1] ^= 0xff;
  const cut = image.subarray(0, image.length - 100);
  const cases: [string, Buffer, string, string, string?][] = [
    ['no newline', Buffer.from(JSON.stringify(header)), 'SEAM_ERR_MALFORMED_JSON', 'payload'],
    ['a header that is not JSON', Buffer.concat([Buffer.from('{"schema_version":\n'), image]), 'SEAM_ERR_MALFORMED_JSON', 'payload'],
    [
      'a detection version',
      forged({ ...header, schema_version: 'detection.v1' }, image),
      'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
      'schema_version',
    ],
    ['no digest', forged({ ...header, image: { ...header.image, sha256: undefined } }, image), 'SEAM_ERR_SCHEMA_VIOLATION', 'image.sha256'],
    ['another camera', forged({ ...header, camera: 'cam-02' }, image), 'SEAM_ERR_TOPIC_MISMATCH', 'camera'],
    ['fewer bytes than it says', forged(header, image.subarray(1)), 'SEAM_ERR_SCHEMA_VIOLATION', 'image.bytes'],
    [
      'a cut-off JPEG with its own length and digest',
      forged({ ...header, image: { ...header.image, bytes: cut.length, sha256: sha256Hex(cut) } }, cut),
      'SEAM_ERR_SCHEMA_VIOLATION',
      'image',
    ],
    ['one byte changed in transit', forged(header, flipped), 'SEAM_ERR_SCHEMA_VIOLATION', 'image.sha256', 'does not match'],
    ['a model without its version', forged({ ...header, model: { name: 'yolo11n' } }, image), 'SEAM_ERR_SCHEMA_VIOLATION', 'model.version'],
  ];
  for (const [what, payload, code, field, says] of cases) {
    const decoded = decodeEvidence(TOPIC, payload);
    assert.ok(!decoded.ok, `${what}: accepted`);
    assert.equal(decoded.error.code, code, what);
    assert.equal(decoded.error.field, field, what);
    if (says) assert.match(decoded.error.message, new RegExp(says), what);
  }
});

test('an evidence message over the cap is refused before it is parsed; one on the detection topic is a bad topic', {
  timeout: 10_000,
}, async () => {
  const payload = encodeEvidence(FIELDS, await jpeg());
  const small = decodeEvidence(TOPIC, payload, payload.byteLength - 1);
  assert.ok(!small.ok && small.error.code === 'SEAM_ERR_PAYLOAD_TOO_LARGE' && small.error.field === 'payload');
  assert.ok(decodeEvidence(TOPIC, payload, payload.byteLength).ok, 'exactly at the cap passes');
  const wrongTopic = decodeEvidence('vision/eu/plant-1/cam-01/detection', payload);
  assert.ok(!wrongTopic.ok && wrongTopic.error.code === 'SEAM_ERR_BAD_TOPIC');
  const asJson = decodeMessage(TOPIC, payload);
  assert.ok(!asJson.ok && asJson.error.code === 'SEAM_ERR_BAD_TOPIC' && /decodeEvidence/.test(asJson.error.message));
});

test("the event's model is optional in the header and round-trips when present", { timeout: 10_000 }, async () => {
  const image = await jpeg();
  const model = { name: 'yolo11n-scratches', version: '2026-11-20' };
  const withModel = decodeEvidence(TOPIC, encodeEvidence({ ...FIELDS, model }, image));
  assert.ok(withModel.ok, withModel.ok ? '' : withModel.error.message);
  assert.deepEqual(withModel.evidence.header.model, model);
  const without = decodeEvidence(TOPIC, encodeEvidence(FIELDS, image));
  assert.ok(without.ok && without.evidence.header.model === undefined);
});

test('image_stream is optional, round-trips, and a bad id or number is refused naming the field', { timeout: 10_000 }, async () => {
  const image = await jpeg();
  const stream = { id: '0123456789abcdef', seq: 17 };
  const numbered = decodeEvidence(TOPIC, encodeEvidence({ ...FIELDS, image_stream: stream }, image));
  assert.ok(numbered.ok, numbered.ok ? '' : numbered.error.message);
  assert.deepEqual(numbered.evidence.header.image_stream, stream);
  const header = headerOf(encodeEvidence(FIELDS, image));
  for (const [bad, field] of [
    [{ id: '0123456789ABCDEF', seq: 1 }, 'image_stream.id'],
    [{ id: '0123456789abcde', seq: 1 }, 'image_stream.id'],
    [{ id: '0123456789abcdef', seq: -1 }, 'image_stream.seq'],
    [{ id: '0123456789abcdef', seq: 1.5 }, 'image_stream.seq'],
    [{ id: '0123456789abcdef' }, 'image_stream.seq'],
    [{ id: '0123456789abcdef', seq: 1, extra: true }, 'image_stream.extra'],
  ] as const) {
    const decoded = decodeEvidence(TOPIC, forged({ ...header, image_stream: bad }, image));
    assert.ok(!decoded.ok, JSON.stringify(bad));
    assert.equal(decoded.error.code, 'SEAM_ERR_SCHEMA_VIOLATION', JSON.stringify(bad));
    assert.equal(decoded.error.field, field, JSON.stringify(bad));
  }
});
