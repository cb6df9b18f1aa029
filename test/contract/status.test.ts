import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage } from '../../src/contract/index.ts';
import { makeStatus } from '../helpers/events.ts';

const TOPIC = 'vision/eu/plant-1/cam-01/status';
const encode = (v: unknown) => Buffer.from(JSON.stringify(v));

test('accepts a birth, a heartbeat with counters and a last will', { timeout: 10_000 }, () => {
  for (const status of [
    makeStatus({ state: 'online' }),
    makeStatus({
      state: 'online',
      outbox_depth: 3,
      outbox_bytes: 1200,
      oldest_unsent_ms: 40,
      frames: 9,
      detections: 12,
      drops: 0,
      uptime_s: 60,
    }),
    makeStatus({ state: 'offline' }),
  ]) {
    const result = decodeMessage(TOPIC, encode(status));
    assert.ok(result.ok && result.kind === 'status', JSON.stringify(result));
    assert.deepEqual(result.message, status);
  }
});

test('accepts a heartbeat with the evidence counters (issue 25), each optional', { timeout: 10_000 }, () => {
  const counters = { evidence_captured: 40, evidence_refused: 1, evidence_dropped: 2, evidence_acked: 37 };
  for (const status of [makeStatus({ state: 'online', ...counters }), makeStatus({ state: 'online', evidence_acked: 0 })]) {
    const result = decodeMessage(TOPIC, encode(status));
    assert.ok(result.ok && result.kind === 'status', JSON.stringify(result));
    assert.deepEqual(result.message, status);
  }
});

const cases: [string, unknown, string, string][] = [
  ['a negative evidence_dropped', makeStatus({ evidence_dropped: -1 }), 'SEAM_ERR_SCHEMA_VIOLATION', 'evidence_dropped'],
  ['a fractional evidence_acked', makeStatus({ evidence_acked: 1.5 }), 'SEAM_ERR_SCHEMA_VIOLATION', 'evidence_acked'],
  ['evidence_captured over 2^53 - 1', makeStatus({ evidence_captured: 2 ** 53 }), 'SEAM_ERR_SCHEMA_VIOLATION', 'evidence_captured'],
  [
    'evidence_refused as a string',
    makeStatus({ evidence_refused: '3' as unknown as number }),
    'SEAM_ERR_SCHEMA_VIOLATION',
    'evidence_refused',
  ],
  ['state "sleeping"', makeStatus({ state: 'sleeping' as 'online' }), 'SEAM_ERR_SCHEMA_VIOLATION', 'state'],
  ['a negative outbox depth', makeStatus({ outbox_depth: -1 }), 'SEAM_ERR_SCHEMA_VIOLATION', 'outbox_depth'],
  ['at as epoch seconds', { ...makeStatus(), at: 1764000000 }, 'SEAM_ERR_SCHEMA_VIOLATION', 'at'],
  ['camera differs from the topic', makeStatus({ camera: 'cam-07' }), 'SEAM_ERR_TOPIC_MISMATCH', 'camera'],
  ['a detection schema_version', { ...makeStatus(), schema_version: 'detection.v1' }, 'SEAM_ERR_UNKNOWN_SCHEMA_VERSION', 'schema_version'],
];
for (const [what, payload, code, field] of cases) {
  test(`rejects a status with ${what}, naming ${field}`, { timeout: 10_000 }, () => {
    const result = decodeMessage(TOPIC, encode(payload));
    assert.ok(!result.ok);
    assert.equal(result.error.code, code);
    assert.equal(result.error.field, field);
  });
}
